"""Affiliation over time, read from a real git history's address domains."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.ingest.git import ingest_git
from bot.people import curation
from bot.people.career import careers
from bot.people.view import load_views
from bot.store.identity import email_key
from bot.store.writes import find_person, upsert_repo
from bot.taxonomy.model import default_taxonomy
from tests.support.fictional_orgs import fictional_organisations
from tests.support.git_repos import GitRepo

AS_OF = datetime(2026, 1, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def organisations(tmp_path: Path) -> Iterator[None]:
    with fictional_organisations(tmp_path):
        yield


BUF = "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp"


def _commits(repo: GitRepo, who: tuple[str, str], months: list[str]) -> None:
    for index, month in enumerate(months):
        repo.commit(
            f"[mlir] Change {index} by {who[1]}",
            {BUF: f"{who[1]} {index}\n"},
            author=who,
            date=f"{month}-10T10:00:00+00:00",
        )


def test_a_move_between_companies_and_a_university_address_in_use(
    engine: Engine, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "llvm")
    arm = ("Mara Mover", "mara@armada-chips.example")
    google = ("Mara Mover", "mara@cloudhaus.example")
    _commits(repo, arm, ["2022-03", "2023-06", "2024-11", "2025-04"])
    _commits(repo, google, ["2025-08", "2025-10", "2025-12"])
    _commits(repo, ("Stu Dent", "stu@inf.uni-ed.example"), ["2024-02", "2025-11"])
    _commits(repo, ("Kai Keeper", "kai@armada-chips.example"), ["2019-05", "2025-12"])
    with Session(engine) as session:
        llvm = upsert_repo(session, "llvm/llvm-project", "mlir")
        session.commit()
        ingest_git(session, default_taxonomy(), llvm, repo.path)
        session.commit()
        # Two addresses, two records until someone joins them by hand, as csf does.
        mara_arm = find_person(session, [email_key("mara@armada-chips.example")])
        mara_google = find_person(session, [email_key("mara@cloudhaus.example")])
        assert mara_arm is not None
        assert mara_google is not None
        mara = curation.merge(session, mara_google, mara_arm, actor="test")
        session.commit()
        stu = find_person(session, [email_key("stu@inf.uni-ed.example")])
        kai = find_person(session, [email_key("kai@armada-chips.example")])
        assert stu is not None
        assert kai is not None
        assert mara.id is not None
        assert stu.id is not None
        assert kai.id is not None
        found = careers(session, [mara.id, stu.id, kai.id], AS_OF)
        assert found[mara.id].summary == (
            "Armada Chips 2022–2025, then Cloudhaus (since 2025-08); moved recently"
        )
        assert [(s.name, s.commits) for s in found[mara.id].stints] == [
            ("Armada Chips", 4),
            ("Cloudhaus", 3),
        ]
        assert found[stu.id].academic_now is not None
        assert found[stu.id].summary.endswith(
            "at Fictional Edinburgh now (a university address in use)"
        )
        assert not found[kai.id].moved_recently
        # Replayed from before the move, it had not happened yet.
        before = careers(session, [mara.id], datetime(2025, 6, 1, tzinfo=UTC))
        assert before[mara.id].summary == "Armada Chips 2022–2025"
        # Every answer's person carries it.
        view = load_views(session, [mara], AS_OF)[mara.id]
        assert view.career_line.endswith("moved recently")
        assert view.as_dict()["career"]["moved_recently"] is True


def test_the_map_counts_people_without_a_profile_company_where_their_address_is_now(
    engine: Engine, tmp_path: Path
) -> None:
    from bot.ranking.who import load_ranking_config
    from bot.reports.talent_map import NOT_STATED, talent_map
    from bot.taxonomy.question import read_query

    repo = GitRepo(tmp_path / "llvm")
    _commits(repo, ("Ana Armful", "ana@armada-chips.example"), ["2025-06", "2025-09", "2025-12"])
    _commits(
        repo,
        ("Eli Edin", "eli@inf.uni-ed.example"),
        ["2025-05", "2025-08", "2025-11"],
    )
    _commits(repo, ("Olaf Old", "olaf@armada-chips.example"), ["2019-03", "2019-05", "2019-07"])
    with Session(engine) as session:
        llvm = upsert_repo(session, "llvm/llvm-project", "mlir")
        session.commit()
        ingest_git(session, default_taxonomy(), llvm, repo.path)
        session.commit()
        taxonomy = default_taxonomy()
        tmap = talent_map(
            session,
            taxonomy,
            read_query(taxonomy, ["mlir", "bufferization"]),
            config=load_ranking_config(),
            as_of=AS_OF,
        )
    assert {(c.label, c.people) for c in tmap.companies} == {("Armada Chips", 1), (NOT_STATED, 1)}
    assert [(c.label, c.people) for c in tmap.universities] == [("Fictional Edinburgh", 1)]
