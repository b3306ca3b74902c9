"""A fictional world of weeks of work, for digest tests in the core, Slack, the CLI and worker."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.shortlist.saves import mark
from bot.store.identity import login_key, suppression_hash
from bot.store.models import CandidateStatus, Suppression
from tests.support.ranking_world import AS_OF, World

TEAM = "T0FICTION"
UTC_ZONE = ZoneInfo("UTC")


def week(n: int) -> date:
    """The date of digest n (1..4): four Mondays ending a week before AS_OF."""
    return (AS_OF - timedelta(days=7 * (5 - n))).date()


def ago(n: int, day: float) -> float:
    """`days_ago` (from AS_OF) of the `day`-th day (0-6.9) of the period digest n covers."""
    return 7 * (5 - n) + 7 - day


def build_world(session: Session) -> World:
    w = World(session)
    # A maintainer who has merged and reviewed steadily for two years.
    w.merged("ada-maintainer", 120, 720, every=6)
    w.reviews("ada-maintainer", 180, 720, every=4)
    # A newcomer's first three real PRs, in the period of week 3; the maintainer reviews them.
    prs = [w.add("gus-newcomer", "pr", ago(3, d), state="merged") for d in (0.5, 2, 3.5)]
    for number in prs:
        w.add("ada-maintainer", "review", ago(3, 4), state="approved", parent=number)
    # Someone who starts reviewing in earnest in week 2.
    for d in (0.5, 1.5, 2.5, 3.5, 4.5, 5.5):
        w.add("rae-reviewer", "review", ago(2, d), state="changes_requested")
    # Two PRs last summer, then a sharp rise in week 3.
    w.merged("ric-riser", 2, 300, every=50)
    for d in (1, 2, 3, 4):
        w.add("ric-riser", "pr", ago(3, d), state="merged")
    # Typo fixes are not high-signal, however many.
    for d in (1, 2, 3, 4, 5, 6):
        w.add("tia-typos", "pr", ago(3, d), state="merged", files=1, lines=3)
    # Newcomers who must never appear: a bot, a "not a fit", someone who asked to be forgotten.
    w.person("dependabot[bot]", bot=True)
    for login in ("dependabot[bot]", "nel-notafit", "sam-suppressed"):
        for d in (1, 2, 3):
            w.add(login, "pr", ago(3, d), state="merged")
    w.save()
    mark(session, TEAM, w.people["nel-notafit"], CandidateStatus.NOT_A_FIT, actor="U0SOURCER")
    session.add(Suppression(identity_hash=suppression_hash(login_key("sam-suppressed"))))
    session.commit()
    return w
