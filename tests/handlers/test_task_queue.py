"""The task queue: a bounded number of answers at once, in order, and a clear "busy" past that."""

from __future__ import annotations

import logging
import threading

import pytest

from handlers.task_queue import TaskQueue


def test_at_most_workers_run_at_once() -> None:
    queue = TaskQueue(workers=2, max_waiting=50)
    both_running = threading.Barrier(3)  # the two workers and this test
    release = threading.Event()
    lock = threading.Lock()
    running = 0
    most = 0
    done = threading.Semaphore(0)

    def job() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        if not release.is_set():
            both_running.wait(10)
            release.wait(10)
        with lock:
            running -= 1
        done.release()

    for _ in range(6):
        assert queue.submit(job, busy=lambda: pytest.fail("not full"))
    both_running.wait(10)  # two jobs are running now, and the other four wait
    assert queue.pending == 6
    release.set()
    for _ in range(6):
        assert done.acquire(timeout=10)
    assert most == 2


def test_waiting_work_runs_first_come_first_served() -> None:
    queue = TaskQueue(workers=1, max_waiting=50)
    release = threading.Event()
    order: list[int] = []
    finished = threading.Semaphore(0)
    queue.submit(lambda: release.wait(10), busy=lambda: None)
    for n in range(8):
        queue.submit(lambda n=n: (order.append(n), finished.release()), busy=lambda: None)  # type: ignore[misc]
    release.set()
    for _ in range(8):
        assert finished.acquire(timeout=10)
    assert order == list(range(8))


def test_after_a_drain_work_is_answered_in_the_callers_thread() -> None:
    queue = TaskQueue(workers=1)
    ran: list[str] = []
    queue.submit(lambda: ran.append(threading.current_thread().name), busy=lambda: None)
    queue.drain()  # waits for the queued answer
    assert ran[0].startswith("csf-answer")
    assert queue.submit(lambda: ran.append(threading.current_thread().name), busy=lambda: None)
    assert ran[1] == threading.current_thread().name  # stopping: answered here, not dropped
    assert queue.pending == 0


def test_a_full_queue_answers_busy_at_once_and_takes_work_again_once_drained() -> None:
    queue = TaskQueue(workers=1, max_waiting=1)
    release = threading.Event()
    finished = threading.Semaphore(0)
    busy: list[str] = []

    def blocked() -> None:
        release.wait(10)
        finished.release()

    assert queue.submit(blocked, busy=lambda: busy.append("first"))  # running
    assert queue.submit(blocked, busy=lambda: busy.append("second"))  # waiting
    assert not queue.submit(blocked, busy=lambda: busy.append("third"))  # turned away
    assert busy == ["third"]
    release.set()
    assert finished.acquire(timeout=10)
    assert finished.acquire(timeout=10)
    ran = threading.Event()
    for _ in range(100):  # the counter drops just after each job returns
        if queue.pending == 0:
            break
        threading.Event().wait(0.01)
    assert queue.submit(ran.set, busy=lambda: busy.append("later"))
    assert ran.wait(10)
    assert busy == ["third"]


def test_a_job_that_raises_is_logged_and_does_not_stop_the_pool(
    caplog: pytest.LogCaptureFixture,
) -> None:
    queue = TaskQueue(workers=1)
    ran = threading.Event()

    def broken() -> None:
        raise RuntimeError("a bug outside the guard")

    with caplog.at_level(logging.ERROR, logger="csf.answers"):
        queue.submit(broken, busy=lambda: None)
        queue.submit(ran.set, busy=lambda: None)
        assert ran.wait(10)
    assert any("failed outside its guard" in r.getMessage() and r.exc_info for r in caplog.records)
