"""One person across every ecosystem and topic: what `csf profile` and the Profile button show.

Scores per topic use the same points, sizes and recency as `who` (bot/ranking/ranking.yml), for this
person alone, so a profile and a ranking never disagree about what counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.ranking.who import (
    ContributionRow,
    Evidence,
    decay,
    evidence_from,
    person_view,
    points_of,
    row_columns,
)
from bot.ranking.words import did
from bot.store.models import Contribution, ContributionTopic, Person
from bot.store.writes import counted_once
from bot.taxonomy.model import Taxonomy

SPARK = "▁▂▃▄▅▆▇█"
LANGUAGES = {
    ".cpp": "C++",
    ".cc": "C++",
    ".cxx": "C++",
    ".h": "C/C++ headers",
    ".hpp": "C++",
    ".c": "C",
    ".rs": "Rust",
    ".py": "Python",
    ".pyi": "Python",
    ".td": "TableGen",
    ".mlir": "MLIR",
    ".ll": "LLVM IR",
    ".cu": "CUDA",
    ".cuh": "CUDA",
    ".go": "Go",
    ".java": "Java",
    ".s": "Assembly",
    ".S": "Assembly",
    ".cmake": "CMake",
    ".bzl": "Bazel",
    ".bazel": "Bazel",
    ".sh": "Shell",
    ".ts": "TypeScript",
    ".js": "JavaScript",
}
_BUILD_FILES = {
    "CMakeLists.txt": "CMake",
    "BUILD": "Bazel",
    "BUILD.bazel": "Bazel",
    "Makefile": "Make",
    "Kconfig": "Kconfig",
}


@dataclass
class TopicActivity:
    topic: str
    name: str
    score: float
    counts: dict[str, int]
    last_active: datetime


@dataclass
class Profile:
    person: dict[str, Any]
    as_of: datetime
    window_days: int
    topics: list[TopicActivity] = field(default_factory=list)
    monthly: list[int] = field(default_factory=list)  # oldest month first, 12 months
    languages: list[tuple[str, int]] = field(default_factory=list)  # (language, percent)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def sparkline(self) -> str:
        return sparkline(self.monthly)


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    if top == 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1)))] for v in values)


def language_of(path: str) -> str | None:
    pure = PurePosixPath(path)
    return _BUILD_FILES.get(pure.name) or LANGUAGES.get(pure.suffix)


def build_profile(
    session: Session,
    taxonomy: Taxonomy,
    person: Person,
    *,
    config: Mapping[str, Any],
    as_of: datetime,
    window_days: int | None = None,
) -> Profile:
    days = int(window_days if window_days is not None else config["window_days"])
    start = as_of - timedelta(days=days)
    c = Contribution.__table__  # type: ignore[attr-defined]
    t = ContributionTopic.__table__  # type: ignore[attr-defined]
    rows: dict[int, ContributionRow] = {}
    paths: dict[int, list[str]] = {}
    topics: dict[int, set[str]] = defaultdict(set)
    built: dict[int, set[str]] = defaultdict(set)  # the topics each change created files in
    statement = (
        sa.select(
            *row_columns(c),
            c.c.paths,
            t.c.topic,
            t.c.built,
        )
        .select_from(c.outerjoin(t, t.c.contribution_id == c.c.id))
        .where(
            c.c.person_id == person.id,
            c.c.occurred_at >= start,
            c.c.occurred_at < as_of,
            counted_once(c),  # one change, counted once, as in `who`
        )
    )
    for *values, touched, topic, created in session.execute(statement):
        row = ContributionRow(*values)
        rows[row.id] = row
        paths[row.id] = list(touched or [])
        if topic:
            topics[row.id].add(topic)
            if created:
                built[row.id].add(topic)
    half_life = float(config["half_life_days"])
    scores: dict[str, float] = defaultdict(float)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    last: dict[str, datetime] = {}
    for row_id, row in rows.items():
        weight = decay(row.when, as_of, half_life)
        for topic in topics[row_id]:
            if "." not in topic:
                continue  # ecosystem tags: the topics say more
            # As `who` weighs it for this topic: built where it created files in the topic.
            scores[topic] += points_of(replace(row, built=topic in built[row_id]), config) * weight
            counts[topic][
                row.kind if row.kind != "pr" or row.state != "merged" else "merged_pr"
            ] += 1
            last[topic] = max(last.get(topic, row.when), row.when)
    by_id = taxonomy.topics_by_id()
    profile = Profile(person_view(session, person), as_of, days)
    profile.topics = sorted(
        (
            TopicActivity(
                topic,
                by_id[topic].name if topic in by_id else topic,
                round(score, 2),
                dict(counts[topic]),
                last[topic],
            )
            for topic, score in scores.items()
        ),
        key=lambda a: -a.score,
    )
    profile.monthly = _monthly(rows.values(), as_of)
    authored = [row_id for row_id, row in rows.items() if row.kind in ("pr", "commit")]
    languages = Counter(
        lang for row_id in authored for path in paths[row_id] if (lang := language_of(path))
    )
    total = sum(languages.values())
    profile.languages = [(lang, round(100 * n / total)) for lang, n in languages.most_common(6)]
    # Evidence across topics: a change that created files in any of them built something.
    evidence = [replace(row, built=bool(built[row_id])) for row_id, row in rows.items()]
    profile.evidence = evidence_from(evidence, config, as_of)
    return profile


def _monthly(rows: Any, as_of: datetime) -> list[int]:
    months = [(as_of.year * 12 + as_of.month - 1) - i for i in range(11, -1, -1)]
    index = {month: i for i, month in enumerate(months)}
    counts = [0] * 12
    for row in rows:
        month = row.when.year * 12 + row.when.month - 1
        if month in index:
            counts[index[month]] += 1
    return counts


def as_json(profile: Profile) -> dict[str, Any]:
    return {
        "person": profile.person,
        "as_of": profile.as_of.isoformat(),
        "window_days": profile.window_days,
        "topics": [
            {
                "topic": a.topic,
                "name": a.name,
                "score": a.score,
                "counts": a.counts,
                "last_active": a.last_active.isoformat(),
            }
            for a in profile.topics
        ],
        "monthly_activity": profile.monthly,
        "sparkline": profile.sparkline,
        "languages": [{"language": lang, "percent": pct} for lang, pct in profile.languages],
        "evidence": [
            {
                "kind": e.kind,
                "did": did(e),
                "title": e.title,
                "url": e.url,
                "date": e.when.date().isoformat(),
                "size": e.size,
            }
            for e in profile.evidence
        ],
    }
