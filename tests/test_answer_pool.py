"""The answer pool: a bounded number of answers at once, in order, and a clear "busy" past that."""

from __future__ import annotations

import logging
import threading

import pytest

from bot.answer_pool import AnswerPool


def test_at_most_workers_run_at_once_and_the_rest_wait_in_order() -> None:
    pool = AnswerPool(workers=2, max_waiting=50)
    release = threading.Event()
    lock = threading.Lock()
    running = 0
    most = 0
    started: list[int] = []
    done = threading.Semaphore(0)

    def job(n: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            started.append(n)
        release.wait(10)
        with lock:
            running -= 1
        done.release()

    for n in range(10):
        assert pool.submit(lambda n=n: job(n), busy=lambda: pytest.fail("not full"))  # type: ignore[misc]
    assert pool.pending == 10
    release.set()
    for _ in range(10):
        assert done.acquire(timeout=10)
    assert most == 2
    assert sorted(started[:2]) == [0, 1]
    assert started[2:] == list(range(2, 10))  # one waiting queue, first come first served
    for _ in range(100):
        if pool.pending == 0:
            break
        threading.Event().wait(0.01)
    assert pool.pending == 0


def test_a_full_queue_answers_busy_at_once_and_takes_work_again_once_drained() -> None:
    pool = AnswerPool(workers=1, max_waiting=1)
    release = threading.Event()
    finished = threading.Semaphore(0)
    busy: list[str] = []

    def blocked() -> None:
        release.wait(10)
        finished.release()

    assert pool.submit(blocked, busy=lambda: busy.append("first"))  # running
    assert pool.submit(blocked, busy=lambda: busy.append("second"))  # waiting
    assert not pool.submit(blocked, busy=lambda: busy.append("third"))  # turned away
    assert busy == ["third"]
    release.set()
    assert finished.acquire(timeout=10)
    assert finished.acquire(timeout=10)
    ran = threading.Event()
    for _ in range(100):  # the counter drops just after each job returns
        if pool.pending == 0:
            break
        threading.Event().wait(0.01)
    assert pool.submit(ran.set, busy=lambda: busy.append("later"))
    assert ran.wait(10)
    assert busy == ["third"]


def test_a_job_that_raises_is_logged_and_does_not_stop_the_pool(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = AnswerPool(workers=1)
    ran = threading.Event()

    def broken() -> None:
        raise RuntimeError("a bug outside the guard")

    with caplog.at_level(logging.ERROR, logger="csf.answers"):
        pool.submit(broken, busy=lambda: None)
        pool.submit(ran.set, busy=lambda: None)
        assert ran.wait(10)
    assert any("failed outside its guard" in r.getMessage() and r.exc_info for r in caplog.records)
