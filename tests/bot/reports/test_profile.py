"""A profile's points per topic are `who`'s: the same points, sizes, upkeep and built work."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.people.curation import find
from bot.ranking.who import active_config, load_ranking_config, who
from bot.reports.profile import build_profile
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.ranking_world import AS_OF, BUF, BUF_TEST, World


def test_a_profile_counts_a_change_that_created_files_as_who_does(session: Session) -> None:
    """`who` counts a change that created files in the area (1 + built) times; so does the
    profile's score for that topic, and its evidence says so."""
    w = World(session)
    w.add("fia-founder", "pr", 20, state="merged", created=(BUF,))
    w.add("fia-founder", "pr", 40, state="merged", paths=(BUF_TEST,))  # an edit, nothing new
    w.save()
    taxonomy = default_taxonomy()
    config = active_config(load_ranking_config())  # the profile decays as activity does
    answer = who(
        session,
        taxonomy,
        read_query(taxonomy, ["mlir", "bufferization"]),
        config=config,
        as_of=AS_OF,
        cached=False,
    )
    [result] = answer.results
    fia = find(session, "fia-founder@compilers.example")
    shown = build_profile(session, taxonomy, fia, config=config, as_of=AS_OF)
    topic = next(a for a in shown.topics if a.topic == "mlir.bufferization")
    assert topic.score == pytest.approx(result.components["pull_requests"], abs=0.01)
    assert [e.built for e in shown.evidence] == [True, False]
    flat = build_profile(session, taxonomy, fia, config={**config, "built": 0.0}, as_of=AS_OF)
    assert next(a.score for a in flat.topics if a.topic == "mlir.bufferization") < topic.score
