"""The `csf` command: the core's answers in the terminal, and the deployment's entry points.

The commands live one module per group (`cli/who.py`, `cli/ingest.py`, `cli/outreach.py`,
`cli/digest.py`, `cli/backtest.py`, `cli/people.py`, `cli/admin.py`, `cli/run.py`) on the app
in `cli/app.py`; importing them here registers them. `main` is the one boundary where a failure
becomes one line on stderr: every failure a user can fix (`CsfError`) and a database that
refuses (locked, read-only, not a database) with status 1, usage mistakes (a bad option value,
an unknown option, a missing argument: Typer's checks) with status 2. Work another process is
already doing (an ingest or a sync of the same repository, `BusyError`) is one line and status
75 (EX_TEMPFAIL: try again later), so a script can tell it from a failure.
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, NoReturn

import typer
from sqlalchemy.exc import DatabaseError

from bot.config import load_settings
from bot.errors import BusyError, CsfError
from bot.logs import redact, setup_logging
from cli.app import app
from cli.render import visible

# Importing a group's module adds its commands to `app`. A command loads only its own group's
# module, so `csf who` never imports Slack, gunicorn, matplotlib or the scheduler; help, a
# mistyped command or none at all loads every group, listed by `csf --help` in this order:
# asking first, then filling the store, then looking after it and running the deployment.
GROUPS = ("who", "outreach", "digest", "backtest", "ingest", "people", "admin", "run")
# The group of each top-level command (tests/cli holds this equal to what the modules register).
GROUP_OF = {
    **dict.fromkeys(("topics", "who", "map"), "who"),
    **dict.fromkeys(("profile", "outreach"), "outreach"),
    "digest": "digest",
    "backtest": "backtest",
    **dict.fromkeys(("sync", "track", "ingest"), "ingest"),
    "people": "people",
    **dict.fromkeys(("migrate", "audit", "prune", "scores"), "admin"),
    **dict.fromkeys(("run", "worker", "demo"), "run"),
}

__all__ = ["app", "load_commands", "main"]
EXIT_BUSY = 75  # sysexits' EX_TEMPFAIL

# Typer's usage errors are click's `ClickException`s (Typer vendors click in newer versions), so
# the class is found from one Typer exports rather than imported from either place.
_USAGE_ERROR: type[Exception] = next(
    k for k in typer.BadParameter.__mro__ if k.__name__ == "ClickException"
)


HELP_OPTIONS = frozenset({"--help", "-h"})


def load_commands(argv: Sequence[str]) -> tuple[ModuleType, ...]:
    """Register the commands `argv` (the words after `csf`) can run: its command's group
    alone, or every group when it names none (`csf`, `csf --help`, a mistyped command) or
    asks for csf's own help before it (`csf --help who` lists every command)."""
    word = None
    for arg in argv:
        if arg in HELP_OPTIONS:
            break  # csf's own help: every command
        if not arg.startswith("-"):
            word = arg
            break
    wanted = (GROUP_OF[word],) if word in GROUP_OF else GROUPS
    return tuple(importlib.import_module(f"cli.{name}") for name in wanted)


def main() -> None:
    """Console-script entry: one line per user-fixable failure, never a traceback."""
    load_commands(sys.argv[1:])
    # What the imports built (SQLAlchemy's and pydantic's classes, the ORM models) lives as long
    # as the process. Frozen, the collector never walks it again: not at each collection of a
    # long ingest, and not at exit, where collecting it took 0.2-0.3 s of every command (a third
    # of `csf who` as a process). Measured in bench/cli_start.py.
    gc.freeze()
    try:
        setup_logging(load_settings())
    except CsfError:
        setup_logging()  # the command itself reports the bad setting, in one line
    try:
        status = app(prog_name="csf", standalone_mode=False)
    except _USAGE_ERROR as error:
        _usage(error)
    except typer.Abort:
        fail("aborted")
    except BusyError as error:
        fail(str(error), EXIT_BUSY)
    except CsfError as error:
        fail(str(error))
    except DatabaseError as error:
        # Locked, read-only or vanished databases are the user's to fix, not a crash.
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "refused"
        if "locked" in reason or "busy" in reason:
            fail("the store is busy (another csf process is writing to it): try again in a moment")
        fail(f"the database refused the operation: {reason}")
    if isinstance(status, int) and status:  # `typer.Exit(code)`, or 130 after Ctrl-C
        sys.exit(status)


def fail(message: str, status: int = 1) -> NoReturn:
    """Say what went wrong on one line of stderr, safely for the terminal, and exit."""
    line = " ".join(redact(message).split())
    print(f"csf: {visible(line)}", file=sys.stderr)
    sys.exit(status)


def _usage(error: Any) -> NoReturn:
    if type(error).__name__ == "NoArgsIsHelpError":  # `csf people` alone: the help, printed
        sys.exit(error.exit_code)  # already (Typer's own handler recognises it by name too)
    context = getattr(error, "ctx", None)
    hint = f" (see `{context.command_path} --help`)" if context is not None else ""
    fail(f"{error.format_message()}{hint}", error.exit_code)
