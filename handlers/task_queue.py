"""Where Slack answers are computed: a few threads per process, after the ack.

An answer (ranking, rendering) is mostly Python and holds the GIL while it runs. Computed in
Bolt's listener threads, eight at once starved the request threads that send the acks (p95 of
600 ms on the 1M-contribution store, where Slack gives up at 3 s), and listeners blocked on
answers filled Bolt's pool, so the acks of new requests queued behind old answers. Listeners now
ack, hand their work here and return at once: at most `workers` answers run in a process, the
rest wait in order of arrival. More threads would not answer sooner (the GIL lets one compute at
a time); the processes of `csf run` (CSF_WEB_PROCESSES) are what use more cores.

Past `max_waiting` queued answers new work is turned away at once, so the asker is told to try
again instead of getting an answer minutes late. A stopping process calls `drain()` (see
handlers/app.py) to answer everything it acknowledged; work handed over after that, or once the
interpreter is shutting down, runs in the caller's thread instead of being dropped.

A task is whatever a listener hands over (usually: compute an answer and send it). The logger
`csf.answers`, the thread names `csf-answer-…` and CSF_ANSWER_THREADS keep their names: they
are what operators already filter and set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("csf.answers")


class TaskQueue:
    """A few threads running tasks in order of arrival, turning new ones away when full."""

    def __init__(self, workers: int = 2, max_waiting: int = 500) -> None:
        self.workers = workers
        self.max_waiting = max_waiting
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="csf-answer")
        self._lock = threading.Lock()
        self._pending = 0  # queued or running

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, job: Callable[[], None], *, busy: Callable[[], None]) -> bool:
        """Queue `job`; when the queue is full run `busy` (a short reply) instead, now."""
        with self._lock:
            full = self._pending >= self.workers + self.max_waiting
            if not full:
                self._pending += 1
        if full:
            log.warning("answer queue full (%d pending): turning a request away", self._pending)
            busy()
            return False
        try:
            self._executor.submit(self._run, job)
        except RuntimeError:  # drained, or the interpreter is exiting: answer here, not never
            self._run(job)
        return True

    def drain(self) -> None:
        """Wait until every queued answer has been sent (before a process exits)."""
        self._executor.shutdown(wait=True)

    def _run(self, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:  # jobs guard themselves; this only keeps a bug from vanishing
            log.exception("an answer failed outside its guard")
        finally:
            with self._lock:
                self._pending -= 1
