"""Communities read from people's own work, and `--community` filtering on them."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.errors import CsfError
from bot.people.communities import check_community, memberships, refresh_communities
from bot.ranking.who import load_ranking_config, who
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.ranking_world import AS_OF, BUF, build


def test_communities_come_from_topics_repositories_and_paths(session: Session) -> None:
    world = build(session)
    world.merged("rua-rustacean", 6, 100, paths=(BUF, "mlir/utils/bindings/src/lib.rs"))
    world.merged("cuda-kim", 6, 100, paths=(BUF, "mlir/test/Integration/GPU/CUDA/kernel.cu"))
    world.merged("omp-otto", 6, 100, paths=(BUF, "openmp/runtime/src/kmp_tasking.cpp"))
    world.save()
    assert memberships(session, world.people.values()) == {}  # until a refresh works them out
    refresh_communities(session)
    people = world.people
    found = memberships(session, people.values())
    assert found[people["rua-rustacean"]] == {"llvm", "rust"}
    assert found[people["cuda-kim"]] == {"llvm", "gpu"}
    assert found[people["omp-otto"]] == {"llvm", "hpc"}
    assert "rust" not in found[people["ada-owner"]]
    taxonomy = default_taxonomy()

    def ask(community: str | None) -> list[str]:
        answer = who(
            session,
            taxonomy,
            read_query(taxonomy, ["mlir", "bufferization"]),
            config=load_ranking_config(),
            as_of=AS_OF,
            limit=50,
            cached=False,
            community=community,
        )
        return [str(r.person["login"]) for r in answer.results]

    assert ask("rust") == ["rua-rustacean"]
    assert ask("gpu") == ["cuda-kim"]
    everyone = ask(None)
    assert {"rua-rustacean", "cuda-kim", "omp-otto", "ada-owner"} <= set(everyone)
    answer = who(
        session,
        taxonomy,
        read_query(taxonomy, ["mlir", "bufferization"]),
        config=load_ranking_config(),
        as_of=AS_OF,
        limit=50,
        cached=False,
    )
    shown = {r.person["login"]: r.person["communities"] for r in answer.results}
    assert shown["rua-rustacean"] == ["LLVM", "Rust"]
    with pytest.raises(CsfError, match="--community 'cobol': choose one of llvm, gpu"):
        check_community("cobol")
