"""How much of a repository's work the taxonomy places in a topic, and why it may be little.

Known-topic questions (`who mlir linalg`) rank from topic tags only. A repository whose work
lands in no topic ranks nobody there, and the only sign used to be a score refresh reporting
"0 person-topic scores in 0 topics", which does not say which repository or why. So every
ingest and sync reports each repository's coverage, and says in one line why it is low and
what to change.

Coverage is counted over everything stored for the repository, not only this run's work: a
resumed or incremental run adds little or nothing, yet the question is whether the repository
as a whole can be ranked. The count is two index lookups per contribution, small beside the
score refresh that follows every ingest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.ingest.layout import layout_of
from bot.store.models import Contribution, ContributionTopic, Repo
from bot.taxonomy.model import Taxonomy

# Warn when under LOW_SHARE of a repository's contributions are in a topic, once it has at
# least LOW_MINIMUM of them: a handful of commits says nothing about the taxonomy's fit, and a
# repository with a few percent in topics is usually one whose layout the topics do not know
# (a healthy listed repository, llvm-project, sits far above it).
LOW_SHARE = 0.05
LOW_MINIMUM = 50

_FREE_WORDS = "Free-word questions (`csf who WORDS`) still work on its paths and titles"


@dataclass(frozen=True)
class TopicCoverage:
    """One repository's contributions, and how many the taxonomy tagged."""

    repo: str
    ecosystem: str  # the ecosystem the repository is stored under
    contributions: int
    in_topic: int  # with at least one topic tag (`mlir.linalg`)
    in_ecosystem: int  # with any tag, if only the ecosystem's own (`mlir`)
    listed: bool  # it follows the layout of a repository an ecosystem names in `repos`
    known_ecosystem: bool  # the taxonomy defines the ecosystem it is stored under

    @property
    def share(self) -> float:
        return self.in_topic / self.contributions if self.contributions else 0.0

    @property
    def low(self) -> bool:
        return self.contributions >= LOW_MINIMUM and self.share < LOW_SHARE

    def summary(self) -> str:
        return (
            f"{self.repo}: {self.in_topic:,} of {self.contributions:,} contributions "
            f"({_percent(self.share)}) in a topic"
        )

    def warning(self) -> str | None:
        """Why so little is in a topic and what to change; None when coverage is not low."""
        if not self.low:
            return None
        head = (
            f"{self.repo}: only {_percent(self.share)} of its {self.contributions:,} "
            f"contributions are in a topic"
        )
        if not self.listed and not self.known_ecosystem:
            why = (
                f"no ecosystem lists it in `repos` and its ecosystem {self.ecosystem!r} is not "
                f"in the taxonomy, so its work gets no tags; list it in an ecosystem's `repos` "
                f"(CSF_TAXONOMY), or ingest it again with `--full -e ECOSYSTEM`"
            )
        elif self.listed and self.in_ecosystem * 2 < self.contributions:
            why = (
                f"most of its work is outside the `paths`, `labels` and `keywords` that scope "
                f"{self.ecosystem!r}; widen that scope in the taxonomy (CSF_TAXONOMY) if it belongs"
            )
        elif not self.listed:
            why = (
                f"it is in no ecosystem's `repos`, so only {self.ecosystem!r} topic globs (from "
                f"`-e`) matched at any depth can place its work, and its layout fits almost "
                f"none; list it in {self.ecosystem!r} `repos` with topics for its folders "
                f"(CSF_TAXONOMY)"
            )
        else:
            why = (
                f"no {self.ecosystem!r} topic has `paths`, `labels` or `keywords` that fit its "
                f"layout; add topics for its folders to the taxonomy (CSF_TAXONOMY)"
            )
        return f"{head}: {why}. {_FREE_WORDS}."

    def as_dict(self) -> dict[str, Any]:
        """A plain view for `--json` output and logs."""
        return {
            "repo": self.repo,
            "ecosystem": self.ecosystem,
            "contributions": self.contributions,
            "in_topic": self.in_topic,
            "in_ecosystem": self.in_ecosystem,
            "share": round(self.share, 4),
            "low": self.low,
            "warning": self.warning(),
        }


def topic_coverage(session: Session, taxonomy: Taxonomy, repo: Repo) -> TopicCoverage:
    """Count `repo`'s stored contributions and those with topic tags, as tagged at ingest."""
    assert repo.id is not None
    tags = select(ContributionTopic.contribution_id).where(
        col(ContributionTopic.contribution_id) == col(Contribution.id)
    )
    # Topic ids are `<ecosystem>.<topic>`; an ecosystem's own tag has no dot.
    topic_tags = tags.where(col(ContributionTopic.topic).like("%.%"))
    total, in_topic, in_ecosystem = session.execute(
        select(
            sa.func.count(),
            sa.func.count(sa.case((topic_tags.exists(), 1))),
            sa.func.count(sa.case((tags.exists(), 1))),
        ).where(col(Contribution.repo_id) == repo.id)
    ).one()
    return TopicCoverage(
        repo=repo.full_name,
        ecosystem=repo.ecosystem,
        contributions=total,
        in_topic=in_topic,
        in_ecosystem=in_ecosystem,
        listed=bool(
            taxonomy.ecosystems_for_repo(layout_of(taxonomy, repo.full_name, repo.ecosystem))
        ),
        known_ecosystem=taxonomy.ecosystem(repo.ecosystem) is not None,
    )


def _percent(share: float) -> str:
    """Whole percents, except that a little is never rounded to nothing or to everything."""
    if 0 < share < 0.01:
        return "<1%"
    if 0.99 < share < 1:
        return ">99%"
    return f"{share:.0%}"
