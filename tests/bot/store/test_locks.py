"""The store's locks held by real processes: one holder per job, and a holder killed with -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy.engine import Engine

from bot.store.locks import job_lock
from tests.support.cli import database_url

_HOLD = """
import sys, time
from bot.store.engine import make_engine
from bot.store.locks import job_lock
with job_lock(make_engine(sys.argv[1]), sys.argv[2]) as held:
    print(held, flush=True)
    time.sleep(600)
"""


def test_a_lock_held_by_a_process_killed_with_sigkill_is_free_again(engine: Engine) -> None:
    name = "ingest git example-org/compiler"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, database_url(engine), name],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        with job_lock(engine, name) as held:
            assert not held  # the holder runs: the job is its
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    if engine.dialect.name == "sqlite":
        # The row stays until its expiry (15 minutes), but its holder is gone from this machine.
        with job_lock(engine, name) as held:
            assert held
        return
    # PostgreSQL drops a dead session's locks once it sees the connection close.
    deadline = time.monotonic() + 30
    while True:
        with job_lock(engine, name) as held:
            if held:
                return
        assert time.monotonic() < deadline, "the killed holder's advisory lock was never freed"
        time.sleep(0.05)
