"""The `csf` command: the core's answers in the terminal, and the deployment's entry points.

The commands live one module per group (`cli/who.py`, `cli/ingest.py`, `cli/outreach.py`,
`cli/digest.py`, `cli/backtest.py`, `cli/people.py`, `cli/admin.py`, `cli/run.py`) on the app
in `cli/app.py`; importing them here registers them. Every failure a user can fix (`CsfError`)
ends as one line on stderr and exit status 1; usage mistakes are Typer's (status 2). Work another
process is already doing (an ingest or a sync of the same repository, `BusyError`) is one line
and status 75 (EX_TEMPFAIL: try again later), so a script can tell it from a failure.
"""

from __future__ import annotations

import sys

from sqlalchemy.exc import OperationalError

from bot.config import load_settings
from bot.errors import BusyError, CsfError
from bot.logs import redact, setup_logging
from cli.app import app

# Importing a group adds its commands to `app`; `csf --help` lists them in the order of first
# import, which for the console script is this one: asking first, then filling the store, then
# looking after it and running the deployment.
# isort: off
from cli import who, outreach, digest, backtest, ingest, people, admin, run

# isort: on

__all__ = ["app", "main"]
COMMAND_GROUPS = (who, outreach, digest, backtest, ingest, people, admin, run)
EXIT_BUSY = 75  # sysexits' EX_TEMPFAIL


def main() -> None:
    """Console-script entry: one line per user-fixable failure, never a traceback."""
    try:
        setup_logging(load_settings())
    except CsfError:
        setup_logging()  # the command itself reports the bad setting, in one line
    try:
        app()
    except BusyError as error:
        print(f"csf: {redact(str(error))}", file=sys.stderr)
        sys.exit(EXIT_BUSY)
    except CsfError as error:
        print(f"csf: {redact(str(error))}", file=sys.stderr)
        sys.exit(1)
    except OperationalError as error:
        # Locked, read-only or vanished databases are the user's to fix, not a crash.
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "refused"
        if "locked" in reason or "busy" in reason:
            print(
                "csf: the store is busy (another csf process is writing to it): "
                "try again in a moment",
                file=sys.stderr,
            )
        else:
            print(f"csf: the database refused the operation: {redact(reason)}", file=sys.stderr)
        sys.exit(1)
