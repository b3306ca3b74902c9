"""The `csf` command run as a person runs it: a real process in a folder of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.config import ENV_NAMES
from tests.conftest import POSTGRES_URL


def _environment(env: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES.values()}
    clean.update({"COLUMNS": "200", **env})
    return clean


def csf(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=_environment(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def csf_start(cwd: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """A `csf` command left running; `finished` waits for it."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


_WAIT_THEN_RUN = """
import pathlib, sys, time
from cli.main import load_commands, main
load_commands(sys.argv[2:])  # loaded before the cue, as the docstring says
go = pathlib.Path(sys.argv[1])
while not go.exists():
    time.sleep(0.01)
sys.argv = ["csf", *sys.argv[2:]]
main()
"""


def csf_on_cue(cwd: Path, cue: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """A `csf` command started and loaded, that runs once `cue` exists: a process that lands
    at a moment the test chooses (a cold start takes a second or two)."""
    return subprocess.Popen(
        [sys.executable, "-c", _WAIT_THEN_RUN, str(cue), *args],
        cwd=cwd,
        env=_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def csf_together(
    cwd: Path, *commands: list[str], **env: str
) -> list[subprocess.CompletedProcess[str]]:
    """Several `csf` commands started at once, each a process of its own; when all are done."""
    processes = [csf_start(cwd, *args, **env) for args in commands]
    return [finished(process) for process in processes]


def database_url(engine: Engine) -> str:
    """CSF_DATABASE_URL for a process of its own on the test's store (its PostgreSQL schema)."""
    if engine.dialect.name == "sqlite":
        return str(engine.url)
    with engine.connect() as connection:
        schema = connection.execute(sa.text("SELECT current_schema()")).scalar()
    base = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}?options=-csearch_path%3D{schema}"
