"""How every listener fails: a short answer to the person, the traceback only in the log.

Users get help for input csf cannot read, one line for things they can fix, a retry hint when
the database is busy, and "something went wrong (ref XYZ)" for bugs, with the same ref logged
next to the traceback so a report can be matched to it.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.errors import CsfError
from handlers.answer import Asker, SendToAsker
from handlers.commands.help import help_message
from handlers.commands.registry import UsageError
from handlers.context import AppContext
from slackui.blocks.mrkdwn import escape
from slackui.blocks.people import notice

log = logging.getLogger("csf.slack")

REFUSAL = (
    "csf is limited to some people and channels in this workspace. Ask whoever set it up "
    "to add you (CSF_ALLOWED_USERS / CSF_ALLOWED_CHANNELS)."
)
BUSY = "csf's database is busy or unreachable right now; please try again in a moment."
QUEUE_FULL = "csf has too many questions in hand right now; please ask again in a minute."


def permitted(ctx: AppContext, asker: Asker, reply: SendToAsker | None, *, what: str) -> bool:
    """Whether the asker may use csf here; a refusal is answered politely (when it can be)."""
    if ctx.allowed(asker.user_id, asker.channel_id):
        return True
    log.info("refused %s for %s in %s", what, asker.user_id, asker.channel_id)
    if reply is not None:
        quietly(reply)(notice(REFUSAL))
    return False


@contextmanager
def guard(reply: SendToAsker, *, what: str) -> Iterator[None]:
    """Run a listener body; turn every failure into a reply and, for bugs, a logged ref."""
    reply = quietly(reply)
    try:
        yield
    except UsageError as error:
        reply(help_message(error))
    except CsfError as error:
        reply(notice(escape(str(error))))
    except (OperationalError, PoolTimeout):
        ref = secrets.token_hex(3).upper()
        log.warning("database unavailable during %s (ref %s)", what, ref, exc_info=True)
        reply(notice(f"{BUSY} (ref {ref})"))
    except Exception:
        ref = secrets.token_hex(3).upper()
        log.exception("%s failed (ref %s)", what, ref)
        reply(notice(f"Something went wrong (ref {ref}). It has been logged; please try again."))


T = TypeVar("T")
# How long acknowledged work waits out a busy store before the person is told: Slack never
# redelivers an event it got an ack for, so giving up sooner would lose it.
PERSIST_SECONDS = 30.0


def persist(work: Callable[[], T], *, seconds: float = PERSIST_SECONDS) -> T:
    """Run `work`, again and again while the store is locked or out of connections.

    `work` must be safe to repeat: a transaction that failed wrote nothing. After `seconds`
    the last error is raised, for the guard to tell the person.
    """
    deadline = time.monotonic() + seconds
    pause = 0.1
    while True:
        try:
            return work()
        except (OperationalError, PoolTimeout):
            if time.monotonic() + pause > deadline:
                raise
            log.info("store busy; trying again in %.1f s", pause, exc_info=True)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def quietly(reply: SendToAsker) -> SendToAsker:
    """A reply that never raises: answering about an error must not raise another."""

    def send(message: dict[str, Any]) -> None:
        try:
            reply(message)
        except Exception:
            log.exception("could not deliver a reply")

    return send


def too_busy(reply: SendToAsker) -> Callable[[], None]:
    """What the task queue says when it is full: a short reply, never an error."""
    return lambda: quietly(reply)(notice(QUEUE_FULL))
