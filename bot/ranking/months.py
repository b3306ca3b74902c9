"""Monthly sums of a big topic's work: what a live `who` reads instead of every row.

A live answer (`--as-of`, `--window-days`, `--active`, a score cache too old to stand) sums
every contribution of its topic in the window, each looked up by id for its kind, size and
nature: for the biggest topic of the 1M benchmark, 120k lookups and about 0.7 of its 0.9 s.
The refresh that builds the score cache also keeps, for each topic with at least
`score_cache.month_rows` rows, one row per (topic, person, kind, month, may found) holding the
count and the points of that month's work, weighed for recency as of the refresh
(`TopicMonth`). The weights are exponential, so a month's sum as of any other moment is the
same sum times one factor per half-life (`recency_factors`): a live answer reads one row per
person and month, and sums rows only where months are cut (the window's first month, the
months since the refresh, the month of the area's founding cut). The sums are the rows' sums up
to floating-point rounding (about 1e-12 of a score), not bit for bit; so a live answer for the
very moment and window of the score cache sums rows, as the cache did, and equals it exactly.

The monthly rows stand while the store is the one the refresh read (its generation, no change
marked since) and the settings they were weighed with are in force (`months_fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

# A row's weight as of the refresh is kept no smaller than 0.5 ** _OLDEST (a row older than
# that many half-lives weighs nothing a score can show), and a question more than
# _MOST_HALVINGS half-lives from the refresh sums rows: so no product of the two leaves the
# range of a float (PostgreSQL refuses a result that underflows to zero; sqlite lets it be 0).
_OLDEST = 500.0
_MOST_HALVINGS = 400.0


def month_of(when: datetime) -> int:
    """A month as one number (year * 12 + month - 1), in UTC."""
    when = when.astimezone(UTC)
    return when.year * 12 + when.month - 1


def month_start(month: int) -> datetime:
    return datetime(month // 12, month % 12 + 1, 1, tzinfo=UTC)


def month_sql(column: Any, dialect: str) -> Any:
    """`month_of` of an index table's time (`IndexTime`: microseconds on SQLite)."""
    if dialect == "sqlite":
        seconds = sa.cast(_micros(column) / 1_000_000, sa.Integer)

        def part(fmt: str) -> Any:
            return sa.cast(sa.func.strftime(fmt, seconds, "unixepoch"), sa.Integer)

        return part("%Y") * 12 + part("%m") - 1
    utc = sa.func.timezone("UTC", column)
    return sa.cast(
        sa.extract("year", utc) * 12 + sa.extract("month", utc) - 1,
        sa.Integer,
    )


def age_days_sql(column: Any, reference: datetime, dialect: str) -> Any:
    """Days from an index table's time to `reference`, in SQL."""
    if dialect == "sqlite":
        micros = round(reference.astimezone(UTC).timestamp() * 1_000_000)
        return (sa.literal(micros) - _micros(column)) / 86_400_000_000.0
    moment = sa.literal(reference, sa.DateTime(timezone=True))
    return sa.extract("epoch", moment - column) / 86_400.0


def _micros(column: Any) -> Any:
    """An index table's time on SQLite as the integer it is stored as."""
    return sa.type_coerce(column, sa.BigInteger)


def half_lives(config: Mapping[str, Any]) -> tuple[float, float]:
    """(expertise, activity) half-lives in days, as `recency_sql` reads them."""
    return (
        float(config["blend"]["expertise_half_life_days"]),
        float(config["half_life_days"]),
    )


def weighed_sql(column: Any, reference: datetime, half_life: float, dialect: str) -> Any:
    """A row's recency weight as of `reference` for one half-life (1 when there is none), no
    smaller than 0.5 ** `_OLDEST`. SQLite's `pow` is the one the store guarantees
    (bot/store/engine.py), as for `recency_of`."""
    if half_life <= 0:
        return sa.literal(1.0)
    halvings = age_days_sql(column, reference, dialect) / half_life
    if dialect == "sqlite":
        return sa.func.pow(0.5, sa.func.min(halvings, _OLDEST))
    return sa.func.power(0.5, sa.func.least(halvings, _OLDEST))


def recency_factors(
    config: Mapping[str, Any], reference: datetime, as_of: datetime
) -> tuple[float, float] | None:
    """What turns a month's sums weighed as of `reference` into its sums as of `as_of`: the
    blend's weight of each part times 0.5 ** ((as_of - reference) / half-life). None when the
    gap is too many half-lives for floating point."""
    days = (as_of - reference).total_seconds() / 86_400
    factors = []
    weights = (float(config["blend"]["expertise"]), float(config["blend"]["activity"]))
    for weight, half_life in zip(weights, half_lives(config), strict=True):
        if half_life <= 0:
            factors.append(weight)
            continue
        if abs(days) / half_life > _MOST_HALVINGS:
            return None
        factors.append(weight * 0.5 ** (days / half_life))
    return factors[0], factors[1]


def months_fingerprint(config: Mapping[str, Any]) -> str:
    """What a month's sums were weighed with: points, size, upkeep, built work and the two
    half-lives (the blend's weights, the window and founding are applied when asked)."""
    settings = {key: config[key] for key in ("points", "size", "nature", "built")}
    settings["half_lives"] = list(half_lives(config))
    text = json.dumps(settings, sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MonthPlan:
    """How one topic's window is read: months `first` to `last` (exclusive) from their sums,
    but for `cut_month`; the rest of the window (`rows`: ranges of time) from its rows."""

    topic: str
    first: int
    last: int
    cut_month: int | None
    rows: tuple[tuple[datetime, datetime], ...]
    factors: tuple[float, float]
    generation: int | None = None  # of the refresh that kept the sums


def plan_months(
    topic: str,
    start: datetime,
    end: datetime,
    cut: datetime | None,
    before: datetime,
    factors: tuple[float, float],
) -> MonthPlan | None:
    """The plan for a window [start, end) of a topic whose sums hold for months before
    `before`; None when no whole month of the window has them."""
    first = month_of(start) + 1
    last = min(month_of(end), month_of(before))
    if first >= last:
        return None
    cut_month = month_of(cut) if cut is not None else None
    rows = [(start, month_start(first)), (month_start(last), end)]
    if cut_month is not None and first <= cut_month < last:
        rows.append((month_start(cut_month), month_start(cut_month + 1)))
    else:
        cut_month = None
    return MonthPlan(topic, first, last, cut_month, tuple(r for r in rows if r[0] < r[1]), factors)


def month_sums_sql(
    table: Any, plan: MonthPlan, founding_factor: float, cut: datetime | None
) -> tuple[Any, list[Any]]:
    """(the points of each monthly row as of the question, the rows' tests) for `plan`.

    Founding work counts (1 + `founding.factor`) in the months before the cut's (the cut's own
    month is summed from its rows, `plan.rows`)."""
    expertise, activity = plan.factors
    value = table.c.expertise * expertise + table.c.activity * activity
    if cut is not None and founding_factor:
        cut_month = month_of(cut)
        founded = sa.and_(table.c.founder, table.c.month < cut_month)
        value = value * sa.case((founded, 1.0 + founding_factor), else_=1.0)
    tests = [table.c.topic == plan.topic, table.c.month >= plan.first, table.c.month < plan.last]
    if plan.cut_month is not None:
        tests.append(table.c.month != plan.cut_month)
    return value, tests
