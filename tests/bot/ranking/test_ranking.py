"""The signal model on a fictional world: the people a compiler lead would name come first."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.errors import CsfError
from bot.ranking.who import answer_notes, as_json, load_ranking_config, who
from bot.sources.owners import parse_markdown_maintainers
from bot.store.models import CodeOwner, Person, Repo
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from tests.support.ranking_world import AS_OF, BUF, BUF_TEST, X86, World, build


def _results(session: Session, query: str, options: dict[str, Any]) -> list[Any]:
    return who(
        session,
        default_taxonomy(),
        read_query(default_taxonomy(), query.split()),
        config=options.pop("config", load_ranking_config()),
        as_of=options.pop("as_of", AS_OF),
        **options,
    ).results


def ranking(session: Session, query: str = "mlir bufferization", **options: Any) -> list[str]:
    return [r.person["login"] for r in _results(session, query, options)]


def cards(session: Session, query: str = "mlir bufferization", **options: Any) -> dict[str, Any]:
    """The answer's results by login (every world person has one), in rank order."""
    return {r.person["login"]: r for r in _results(session, query, options)}


@pytest.fixture
def world(session: Session) -> World:
    return build(session)


def _active() -> dict[str, Any]:
    from bot.ranking.who import active_config

    return active_config(load_ranking_config())


def test_owner_and_steady_reviewer_outrank_a_one_off_big_change(
    session: Session, world: World
) -> None:
    order = ranking(session, config=_active())
    assert order[:2] == ["ada-owner", "bo-reviewer"]
    assert order.index("cyd-driveby") > order.index("bo-reviewer")
    blended = ranking(session)  # the default also names who built the area (fay, below)
    assert blended.index("cyd-driveby") > blended.index("bo-reviewer") > 0
    assert blended.index("ada-owner") < 3


def test_specialist_outranks_a_prolific_generalist(session: Session, world: World) -> None:
    order = ranking(session)
    assert order.index("eve-specialist") < order.index("dee-generalist")


def test_active_ranks_recent_work_and_the_default_names_who_built_the_area(
    session: Session, world: World
) -> None:
    order = ranking(session, config=_active(), window_days=1000)
    assert "fay-oldtimer" in order  # in the long window she counts, decayed fast
    assert order.index("gus-newcomer") < order.index("fay-oldtimer")
    assert "fay-oldtimer" not in ranking(session, config=_active())  # --active: the last year
    # The default blends expertise with activity: who built the area two years ago (40 merged
    # PRs) outranks a newcomer, and her card says she is not active now.
    answer = who(
        session,
        default_taxonomy(),
        read_query(default_taxonomy(), ["mlir", "bufferization"]),
        config=load_ranking_config(),
        as_of=AS_OF,
    )
    logins = [r.person["login"] for r in answer.results]
    assert logins.index("fay-oldtimer") < logins.index("gus-newcomer")
    fay = answer.results[logins.index("fay-oldtimer")]
    assert not fay.active_now
    assert "last active 20" in fay.reason
    assert answer.results[logins.index("gus-newcomer")].active_now


def test_bots_never_appear(session: Session, world: World) -> None:
    assert "dependabot[bot]" not in ranking(session, limit=50)


def test_as_of_replays_what_the_store_knew_then(
    session: Session, world: World, engine: Engine, tmp_path: Path
) -> None:
    from bot.store.engine import make_engine, upgrade

    past = AS_OF - timedelta(days=150)
    full = who(
        session,
        default_taxonomy(),
        read_query(default_taxonomy(), ["mlir", "bufferization"]),
        config=load_ranking_config(),
        as_of=past,
    )
    # The same world, built only from what had happened by then.
    then = make_engine(f"sqlite:///{tmp_path / 'then.db'}")
    upgrade(then)
    with Session(then) as old:
        w = build(old)
        cut = sa_delete_after(old, past)
        assert cut > 0
        replay = who(
            old,
            default_taxonomy(),
            read_query(default_taxonomy(), ["mlir", "bufferization"]),
            config=load_ranking_config(),
            as_of=past,
        )
        del w
    assert [(r.person["login"], r.score) for r in full.results] == [
        (r.person["login"], r.score) for r in replay.results
    ]
    assert "gus-newcomer" not in [r.person["login"] for r in full.results]  # not active yet


def sa_delete_after(session: Session, when: datetime) -> int:
    import sqlalchemy as sa

    from bot.store.models import Contribution

    result = session.execute(sa.delete(Contribution).where(Contribution.occurred_at >= when))  # type: ignore[arg-type]
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def test_region_filter(session: Session, world: World) -> None:
    assert ranking(session, region="uk") == ["ada-owner", "eve-specialist"]
    europe = ranking(session, region="europe")
    assert "cyd-driveby" not in europe
    assert {"ada-owner", "bo-reviewer", "eve-specialist"} <= set(europe)


def test_explanations_carry_parts_and_evidence(session: Session, world: World) -> None:
    answer = who(
        session,
        default_taxonomy(),
        read_query(default_taxonomy(), ["mlir", "bufferization"]),
        config=_active(),
        as_of=AS_OF,
    )
    ada = answer.results[0]
    assert answer.reading.label == "MLIR › Bufferization"
    assert ada.reason.startswith(
        "owns mlir/lib/Dialect/Bufferization, 6 merged PRs, 20 reviews and 4 issue/design posts"
    )
    assert ada.reason.endswith("in the last year; active now")
    assert set(ada.components) >= {"pull_requests", "reviews", "ownership", "focus", "breadth"}
    assert 1 <= len(ada.evidence) <= 3
    assert all(e.url and e.url.startswith("https://github.com/") for e in ada.evidence)
    bo = answer.results[1]
    assert bo.counts["distinct_authors_reviewed"] == 1  # ada's PRs
    data = as_json(answer)
    person = data["results"][0]["person"]
    assert person["login"] == "ada-owner"
    assert person["region"] == "uk"
    assert all("@" not in i["value"] for i in person["identities"])
    assert {i["kind"] for i in person["identities"]} == {"github", "email"}
    json.dumps(data)  # serialisable as is


def test_weights_can_be_overridden_by_a_file(
    session: Session, world: World, tmp_path: Path
) -> None:
    activity_only = tmp_path / "ranking.toml"
    activity_only.write_text("[points]\nownership = 0\n")
    config = load_ranking_config(activity_only)
    answer = who(
        session,
        default_taxonomy(),
        read_query(default_taxonomy(), ["mlir", "bufferization"]),
        config=config,
        as_of=AS_OF,
    )
    ada = next(r for r in answer.results if r.person["login"] == "ada-owner")
    assert ada.components["ownership"] == 0
    yaml_file = tmp_path / "ranking.yml"
    yaml_file.write_text("points:\n  review_approved: 0\n  review_changes_requested: 0\n")
    assert ranking(session, config=load_ranking_config(yaml_file))[0] != "bo-reviewer"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("points:\n  ownershp: 0\n", "unknown setting 'points.ownershp'"),
        ("points:\n  ownership: -1\n", "'points.ownership' must be a number of zero or more"),
        ("points: 3\n", "'points' must be a table"),
        ("points: [\n", "ranking.yml:2: expected the node content"),
        ("points:\n  merged_pr: .nan\n", "'points.merged_pr' must be a finite number, not nan"),
        ("candidates: 1.0e+300\n", "'candidates' must be at most 1,000,000"),
        ("window_days: 99999999999\n", "'window_days' must be at most 36,500"),
        ("digest:\n  period_days: 0\n", "'digest.period_days' must be 1 or more"),
        ("sustained:\n  floor: 2\n", "'sustained.floor' must be at most 1"),
        ("size:\n  reference_lines: 0\n", "'size.reference_lines' must be more than 0 \\(the"),
        ("size:\n  reference_lines: 0.0\n", "'size.reference_lines' must be more than 0"),
        ("score_cache:\n  max_age_hours: .inf\n", "'score_cache.max_age_hours' must be a fini"),
        ("points: !!python/object:os.system {}\n", "ranking.yml:1: the tag !!python/object:os"),
        ("[" * 100_000, "ranking.yml:1: nested more than 64 levels deep"),
    ],
)
def test_bad_ranking_files_are_named(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "ranking.yml"
    bad.write_text(content)
    with pytest.raises(CsfError, match=message):
        load_ranking_config(bad)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[points]\nmerged_pr = nan\n", "'points.merged_pr' must be a finite number, not nan"),
        (b"candidates = inf\n", "'candidates' must be a finite number, not inf"),
        (b"[size]\nreference_lines = 0\n", "'size.reference_lines' must be more than 0"),
        (b"a = " + b"[" * 100_000, "ranking.toml is nested too deeply to be settings"),
        (b"[points]\nmerged_pr = 1 # caf\xe9\n", "ranking.toml is not UTF-8 text (line 2: byte"),
    ],
)
def test_bad_toml_ranking_files_are_named(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "ranking.toml"
    bad.write_bytes(content)
    with pytest.raises(CsfError, match=re.escape(message)):
        load_ranking_config(bad)


def test_a_change_seen_as_pr_and_commit_counts_once(session: Session, world: World) -> None:
    before = {
        r.person["login"]: r.score
        for r in who(
            session,
            default_taxonomy(),
            read_query(default_taxonomy(), ["mlir", "bufferization"]),
            config=load_ranking_config(),
            as_of=AS_OF,
        ).results
    }
    number = world.merged("gus-newcomer", 1, 5)[0]
    world.add("gus-newcomer", "commit", 5, parent=number)  # the same change, from git history
    world.save()
    only_pr = who(
        session,
        default_taxonomy(),
        read_query(default_taxonomy(), ["mlir", "bufferization"]),
        config=load_ranking_config(),
        as_of=AS_OF,
    )
    gus = next(r for r in only_pr.results if r.person["login"] == "gus-newcomer")
    assert gus.counts["commits"] == 0
    assert gus.counts["merged_prs"] == 5
    assert gus.score > before["gus-newcomer"]
    from bot.people.curation import find
    from bot.reports.profile import build_profile

    shown = build_profile(
        session,
        default_taxonomy(),
        find(session, "gus-newcomer"),
        config=load_ranking_config(),
        as_of=AS_OF,
    )
    assert shown.topics[0].counts == {"merged_pr": 5}  # the profile agrees: no extra commit


def test_unknown_words_get_suggestions_not_silence(session: Session, world: World) -> None:
    reading = read_query(default_taxonomy(), ["bufferizaton"])
    assert reading.tags == ()
    assert "mlir.bufferization" in reading.suggestions
    answer = who(session, default_taxonomy(), reading, config=load_ranking_config(), as_of=AS_OF)
    assert answer.results == []


@pytest.mark.parametrize(
    ("words", "label", "tags"),
    [
        ("mlir bufferization", "MLIR › Bufferization", ("mlir.bufferization",)),
        ("one-shot bufferize", "MLIR › Bufferization", ("mlir.bufferization",)),
        ("triton amd backend", "Triton › AMD backend", ("triton.amd",)),
        ("tvm meta_schedule", "Apache TVM › MetaSchedule", ("tvm.metaschedule",)),
        ("tvm metaschedule", "Apache TVM › MetaSchedule", ("tvm.metaschedule",)),
        ("tvm meta schedule", "Apache TVM › MetaSchedule", ("tvm.metaschedule",)),
        ("kernel scheduler", "Linux kernel › Scheduler", ("linux.scheduler",)),
        ("MLIR", "MLIR", ("mlir",)),
    ],
)
def test_query_reading(words: str, label: str, tags: tuple[str, ...]) -> None:
    reading = read_query(default_taxonomy(), words.split())
    assert reading.label == label
    assert reading.tags == tags


def test_people_without_a_person_row_are_skipped(session: Session, world: World) -> None:
    people = session.exec(select(Person)).all()
    assert len(people) == 8
    assert session.exec(select(Repo)).one().full_name == "llvm/llvm-project"


def test_profile_across_topics(session: Session, world: World) -> None:
    from bot.people.curation import find
    from bot.reports.profile import as_json as profile_json
    from bot.reports.profile import build_profile, sparkline

    dee = find(session, "dee-generalist@compilers.example")
    shown = build_profile(
        session, default_taxonomy(), dee, config=load_ranking_config(), as_of=AS_OF
    )
    assert [a.topic for a in shown.topics][:2] == ["llvm.x86", "mlir.bufferization"]
    assert shown.topics[0].counts == {"merged_pr": 120}
    # 122 PRs in the 365-day window; the nine from June 2025 fall before the 12 months shown.
    assert sum(shown.monthly) == 113
    assert len(shown.sparkline) == 12
    assert dict(shown.languages) == {"C++": 98, "MLIR": 2}
    assert len(shown.evidence) == 2  # two authored; a generalist with no reviews
    data = profile_json(shown)
    assert data["person"]["login"] == "dee-generalist"
    assert all("@" not in i["value"] for i in data["person"]["identities"])
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert sparkline([0, 0]) == "▁▁"


def test_scores_summed_in_sql_equal_the_per_contribution_model(
    session: Session, world: World
) -> None:
    """The database's sums (SQLite's julianday, PostgreSQL's epochs) match points x recency."""
    from dataclasses import replace

    import sqlalchemy as sa

    from bot.ranking.who import (
        ContributionRow,
        Scope,
        blended_decay,
        founding_cut,
        is_founding,
        points_of,
        row_columns,
    )
    from bot.store.models import Contribution

    config = load_ranking_config()
    reading = read_query(default_taxonomy(), ["mlir", "bufferization"])
    answer = who(session, default_taxonomy(), reading, config=config, as_of=AS_OF)
    window = timedelta(days=int(config["window_days"]))
    scope = Scope(reading.tags, (), AS_OF - window, AS_OF, reading.tag_groups)
    cut = founding_cut(session, scope, config)
    assert cut is not None  # the area's early work weighs more, in both models alike
    for result in answer.results:
        table = Contribution.__table__  # type: ignore[attr-defined]
        rows = [
            (ContributionRow(*values), paths)
            for *values, paths in session.execute(
                sa.select(*row_columns(table), table.c.paths).where(
                    table.c.person_id == result.person_id
                )
            )
        ]
        expected = sum(
            points_of(replace(row, founding=is_founding(row, cut, config)), config)
            * blended_decay(row.when, AS_OF, config)
            for row, paths in rows
            if AS_OF - window <= row.when < AS_OF and paths[0] == BUF
        )
        parts = ("pull_requests", "reviews", "discussion")
        summed = sum(v for k, v in result.components.items() if k in parts)
        assert summed == pytest.approx(expected, rel=1e-4), result.person["login"]


def test_a_change_counts_the_square_root_of_its_size_the_same_in_sql_and_python(
    session: Session,
) -> None:
    """A 400-line change counts twice a 100-line one, a huge one no more than the cap, a typo
    fix and a mass rename little; the database's CASE gives exactly the Python model's value."""
    import sqlalchemy as sa

    from bot.ranking.who import ContributionRow, points_of, points_sql, row_columns
    from bot.store.models import Contribution

    world = World(session)
    world.person("ada-owner", "London, UK", "uk")
    # (9 files, 20,000 lines) is past the cap yet spread as hand-written work is (`bulk:`).
    sizes = [(1, 3), (2, 5), (2, 20), (3, 60), (3, 100), (5, 400), (8, 1600), (9, 20_000)]
    sizes += [(400, 5000)]  # a mass change
    ids = [world.add("ada-owner", "commit", 1, files=files, lines=lines) for files, lines in sizes]
    world.save()
    config = {
        **load_ranking_config(),
        "blend": {"expertise": 1.0, "expertise_half_life_days": 36500, "activity": 0.0},
    }
    table = Contribution.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        sa.select(
            table.c.external_id, points_sql(table, config, AS_OF, dialect), *row_columns(table)
        )
    ).all()
    by_id = {
        int(external): (float(sql), ContributionRow(*values)) for external, sql, *values in rows
    }
    python = {i: points_of(by_id[i][1], config) for i in ids}
    for i in ids:
        assert by_id[i][0] == pytest.approx(python[i] * 0.5 ** (1 / 36500), rel=1e-6)
    commit = float(config["points"]["commit"])
    factors = [python[i] / commit for i in ids]
    assert factors[0] == pytest.approx(0.2)  # a typo fix
    assert factors[4] == pytest.approx(1.0)  # 100 lines
    assert factors[5] == pytest.approx(2.0)  # 400 lines
    assert factors[6] == pytest.approx(4.0)
    assert factors[7] == pytest.approx(8.0)  # the cap
    assert factors[8] == pytest.approx(0.2)  # a mass change
    assert factors[1:8] == sorted(factors[1:8])


def test_ownership_patterns_cover_paths_by_prefix() -> None:
    from bot.ranking.who import _covers

    paths = sorted([BUF, "mlir/lib/Dialect/Linalg/X.cpp", "llvm/lib/IR/Value.cpp"])
    assert _covers("mlir/lib/Dialect/Bufferization/**", paths)
    assert _covers("**/Bufferization/**", paths)
    assert _covers("llvm/lib/IR/*.cpp", paths)
    assert not _covers("llvm/lib/CodeGen/**", paths)
    assert not _covers("**", paths)  # a catch-all owner owns nothing in particular


def test_people_are_found_by_login_address_or_identity(session: Session, world: World) -> None:
    from bot.people.curation import find

    ada = find(session, "ada-owner")
    assert find(session, "ADA-OWNER").id == ada.id
    assert find(session, "ada-owner@compilers.example").id == ada.id
    assert find(session, "email:ada-owner@compilers.example").id == ada.id
    assert find(session, "github:Ada-Owner").id == ada.id
    assert find(session, f"#{ada.id}").id == ada.id


def test_a_ranking_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "ranking.yml"
    bad.write_text("- points\n- size\n")
    with pytest.raises(CsfError, match="must hold settings"):
        load_ranking_config(bad)


def test_free_words_find_people_by_paths_labels_and_titles(session: Session, world: World) -> None:
    # A file name no topic names: found through the words indexed at ingest.
    # Words index authored work (PRs, commits, issues): the file's authors come first.
    top = ranking(session, "oneshotanalysis", config=_active())
    assert set(top[:3]) == {"eve-specialist", "ada-owner", "gus-newcomer"}
    assert "dee-generalist" in top  # two small PRs touching it
    assert ranking(session, "X86ISelLowering") == ["dee-generalist"]
    reading = read_query(default_taxonomy(), ["mlir", "OneShotAnalysis"])
    assert reading.label == 'MLIR › "oneshotanalysis"'
    assert "ada-owner" in ranking(session, "mlir OneShotAnalysis", config=_active())[:3]
    # Free words narrow a topic too: only people whose topic work also has the word.
    world.merged("gus-newcomer", 1, 3, title="[mlir] Fold pad in bufferization")
    world.save()
    assert ranking(session, "mlir bufferization pad") == ["gus-newcomer"]
    assert ranking(session, "qwzxv") == []


def _owned(session: Session, query: str) -> dict[str, list[str]]:
    """login -> what they own, for everyone in the answer who owns something."""
    answer = who(
        session,
        default_taxonomy(),
        read_query(default_taxonomy(), query.split()),
        config=load_ranking_config(),
        as_of=AS_OF,
        limit=50,
    )
    return {r.person["login"]: r.owned for r in answer.results if r.owned}


def test_a_maintainer_file_heading_owns_its_area_not_the_whole_folder(
    session: Session, world: World
) -> None:
    """mlir/Maintainers.md: under "Bufferization" bo keeps that area; under "Tensor", eve keeps
    another one. The file's folder (mlir/**) is only the scope it speaks for."""
    assert world.repo.id is not None
    for line, area, login in ((5, "Bufferization", "bo-reviewer"), (9, "Tensor", "eve-specialist")):
        session.add(
            CodeOwner(
                repo_id=world.repo.id,
                source_path="mlir/Maintainers.md",
                line=line,
                pattern="mlir/**",
                area=area,
                owner_kind="github",
                owner_value=login,
            )
        )
    # A kernel-style section: a title, and patterns that say exactly what it covers.
    session.add(
        CodeOwner(
            repo_id=world.repo.id,
            source_path="MAINTAINERS",
            line=20,
            pattern="mlir/lib/Dialect/Bufferization/Transforms/**",
            area="BUFFERIZATION PASSES",
            owner_kind="github",
            owner_value="gus-newcomer",
        )
    )
    session.commit()

    topic = _owned(session, "mlir bufferization")
    assert topic["bo-reviewer"] == ["Bufferization"]
    assert "eve-specialist" not in topic  # the Tensor maintainer owns nothing here
    assert topic["gus-newcomer"] == ["mlir/lib/Dialect/Bufferization/Transforms/**"]
    whole = _owned(session, "mlir")  # the ecosystem as a whole: every maintainer the file lists
    assert "mlir/**" in whole["eve-specialist"]
    assert "mlir/**" in whole["bo-reviewer"]


def test_areas_named_by_list_items_own_their_topics(session: Session, world: World) -> None:
    """LLVM's real layout: areas are list items under a grouping heading, people in brackets."""
    text = (
        "# MLIR Maintainers\n\n## Tensor Compiler\n\n"
        "- Gus Fictional \\\n  [@gus-newcomer](https://github.com/gus-newcomer) (GitHub)\n\n"
        "#### Accessory Dialects\n"
        "* ‘bufferization’ Dialect (tensor, [@bo-reviewer](https://github.com/bo-reviewer))\n"
        "#### Type Dialects\n"
        "* ‘vector’ Dialect (tensor + [@eve-specialist](https://github.com/eve-specialist))\n"
    )
    assert world.repo.id is not None
    for row in parse_markdown_maintainers(text, "mlir/Maintainers.md"):
        session.add(
            CodeOwner(
                repo_id=world.repo.id,
                source_path="mlir/Maintainers.md",
                line=row.line,
                pattern=row.pattern,
                area=row.area,
                owner_kind=row.owner_kind,
                owner_value=row.owner_value,
            )
        )
    session.commit()
    topic = _owned(session, "mlir bufferization")
    assert topic["bo-reviewer"] == ["bufferization"]
    assert "eve-specialist" not in topic
    assert "gus-newcomer" not in topic  # a category maintainer is not every topic's owner
    assert _owned(session, "mlir vector")["eve-specialist"] == ["vector"]
    whole = _owned(session, "mlir")
    assert {"bo-reviewer", "eve-specialist", "gus-newcomer"} <= set(whole)


def test_words_that_narrow_a_topic_to_no_one_are_said_and_the_topic_answers(
    session: Session, world: World
) -> None:
    """ "mlir bufferization x86": X86 work exists, but none of it is bufferization work. The
    answer is the topic's people, with a note that the word narrowed it to no one."""
    taxonomy = default_taxonomy()
    answer = who(
        session,
        taxonomy,
        read_query(taxonomy, ["mlir", "bufferization", "x86"]),
        config=load_ranking_config(),
        as_of=AS_OF,
    )
    assert answer.widened == ("x86",)
    assert answer.unmatched == ()  # x86 is known: it is not "matches no work"
    alone = who(
        session,
        taxonomy,
        read_query(taxonomy, ["mlir", "bufferization"]),
        config=load_ranking_config(),
        as_of=AS_OF,
    )
    assert [r.person_id for r in answer.results] == [r.person_id for r in alone.results]
    assert answer.reading.label == 'MLIR › Bufferization › "x86"'  # what was asked
    assert answer_notes(answer) == [
        'no work in Bufferization also matches "x86", so this is all of Bufferization'
    ]
    assert as_json(answer)["widened_without"] == ["x86"]


def test_a_misspelt_ecosystem_is_read_as_the_one_meant_and_said(
    session: Session, world: World
) -> None:
    taxonomy = default_taxonomy()
    reading = read_query(taxonomy, ["mlri", "bufferization"])
    assert reading.label == "MLIR › Bufferization"
    answer = who(session, taxonomy, reading, config=load_ranking_config(), as_of=AS_OF)
    assert answer.results
    assert answer_notes(answer)[0] == '"mlri" was read as "mlir"'
    assert as_json(answer)["read_as"] == {"mlri": "mlir"}


def test_trace_work_is_left_out_and_an_area_of_only_traces_is_called_thin(
    session: Session, world: World
) -> None:
    """A one-line drive-by is not a high-signal person: left out beside people with real work,
    and said to be all there is when no one has more."""
    tiny = "mlir/lib/Dialect/Tosa/IR/TosaOps.cpp"
    world.add("tia-typo", "pr", 30, state="merged", files=1, lines=1, title="[mlir] Fix typo")
    world.add("tia-typo", "pr", 30, state="merged", files=1, lines=1, paths=(tiny,), labels=())
    world.save()
    taxonomy = default_taxonomy()

    def ask(words: str) -> Any:
        return who(
            session,
            taxonomy,
            read_query(taxonomy, words.split()),
            config=load_ranking_config(),
            as_of=AS_OF,
            limit=50,
            cached=False,
        )

    busy = ask("mlir bufferization")
    assert "tia-typo" not in [r.person["login"] for r in busy.results]
    assert busy.trace_only >= 1
    assert not busy.thin
    assert any("with only trace work here left out" in n for n in answer_notes(busy))
    thin = ask("mlir tosa")
    assert [r.person["login"] for r in thin.results] == ["tia-typo"]
    assert thin.thin
    assert as_json(thin)["thin"] is True
    assert any(n.startswith("the area is thin here") for n in answer_notes(thin))


def test_a_region_filter_removes_people_and_never_reorders_the_rest(session: Session) -> None:
    """Focus's `full_area_share` weighs someone's share of the whole area's work, counted over
    everyone scored for the question: leaving out the area's lead by region must not lift a
    generalist who then seems to do most of what is left over a specialist."""
    from bot.ranking.scores import refresh_scores

    w = World(session)
    w.person("lia-lead", "Boston, MA", "us")
    w.person("gil-generalist", "Leeds, UK", "uk")
    w.person("sue-specialist", "Bristol, UK", "uk")
    w.merged("lia-lead", 200, 360, every=1)
    w.merged("gil-generalist", 10, 300, every=5)
    w.merged("gil-generalist", 200, 360, every=1, paths=(X86,), labels=("backend:X86",))
    w.merged("sue-specialist", 7, 300, every=5)
    w.save()
    taxonomy = default_taxonomy()

    def logins(region: str | None, cached: bool) -> list[str]:
        answer = who(
            session,
            taxonomy,
            read_query(taxonomy, ["mlir", "bufferization"]),
            config=load_ranking_config(),
            as_of=AS_OF,
            region=region,
            cached=cached,
        )
        assert (answer.scores_as_of is not None) == cached
        return [r.person["login"] for r in answer.results]

    for cached in (False, True):
        if cached:
            refresh_scores(session, taxonomy, load_ranking_config(), as_of=AS_OF)
            session.commit()
        everyone = logins(None, cached)
        assert everyone == ["lia-lead", "sue-specialist", "gil-generalist"]
        uk = logins("uk", cached)
        assert uk == [login for login in everyone if login in uk] == everyone[1:]


def test_only_a_single_change_counts_half_never_a_single_design_thread_or_review(
    session: Session,
) -> None:
    """`sustained:` weighs changes by how many there are: one merged PR counts half; one RFC
    or one review is no code drop and counts whole, as it did before, live and cached alike."""
    from bot.ranking.scores import refresh_scores

    w = World(session)
    w.merged("kit-keeper", 6, 300, every=20)
    w.add("una-once", "pr", 40, state="merged")
    w.add("rhea-rfc", "rfc", 40, title="[RFC] Bufferization of region ops", paths=())
    w.add("rex-review", "review", 40, state="approved")
    w.save()
    taxonomy = default_taxonomy()
    config = load_ranking_config()
    whole = {**config, "sustained": {"full_count": 2, "floor": 1.0}}

    before = cards(session, config=whole, cached=False)
    for cached in (False, True):
        if cached:
            refresh_scores(session, taxonomy, config, as_of=AS_OF)
            session.commit()
        now = cards(session, config=config, cached=cached)
        assert now["una-once"].components["sustained"] == 0.5
        assert now["una-once"].score == pytest.approx(before["una-once"].score / 2, abs=0.01)
        for login in ("kit-keeper", "rhea-rfc", "rex-review"):
            assert "sustained" not in now[login].components, login
            assert now[login].score == pytest.approx(before[login].score, abs=0.01), login


def test_work_counts_as_built_only_when_its_created_files_meet_the_whole_question(
    session: Session,
) -> None:
    """A question's topics and words narrow together (AND), and so does `built`: a change whose
    new files are in the topic but not about the question's word was not built there, even
    though its other paths hold the word."""
    w = World(session)
    w.add("ned-newtests", "pr", 30, state="merged", created=(BUF_TEST,))  # a new test file
    w.add("ann-analysis", "pr", 30, state="merged", created=(BUF,))  # the analysis itself
    w.save()
    taxonomy = default_taxonomy()
    flat = {**load_ranking_config(), "built": 0.0}

    def ask(words: str, config: dict[str, Any]) -> dict[str, Any]:
        answer = who(
            session,
            taxonomy,
            read_query(taxonomy, words.split()),
            config=config,
            as_of=AS_OF,
            cached=False,
        )
        return {r.person["login"]: r for r in answer.results}

    for words in ("mlir bufferization", "mlir bufferization analysis"):
        both, unweighed = ask(words, load_ranking_config()), ask(words, flat)
        assert set(both) == {"ned-newtests", "ann-analysis"}, words
        assert [e.built for e in both["ann-analysis"].evidence] == [True], words
        assert both["ann-analysis"].score > unweighed["ann-analysis"].score, words
    topic = ask("mlir bufferization", load_ranking_config())
    assert [e.built for e in topic["ned-newtests"].evidence] == [True]
    narrowed, unweighed = (
        ask("mlir bufferization analysis", load_ranking_config()),
        ask("mlir bufferization analysis", flat),
    )
    assert [e.built for e in narrowed["ned-newtests"].evidence] == [False]
    assert narrowed["ned-newtests"].score == unweighed["ned-newtests"].score


@pytest.mark.parametrize("suffix", [".yml", ".toml"])
def test_a_ranking_file_with_the_retired_substantial_sizes_still_loads_and_says_so(
    tmp_path: Path, suffix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Teams' files from before sizes were weighed by the square root of the lines added still
    carry `size.substantial_*`: they load, those keys are ignored, and one line says what
    replaced them."""
    team = tmp_path / f"ranking{suffix}"
    if suffix == ".toml":
        team.write_text(
            "[size]\nsubstantial_files = 3\nsubstantial_lines = 100\nsubstantial_factor = 1.5\n"
            "trivial_lines = 12\n"
        )
    else:
        team.write_text(
            "size:\n  substantial_files: 3\n  substantial_lines: 100\n"
            "  substantial_factor: 1.5\n  trivial_lines: 12\n"
        )
    with caplog.at_level("WARNING"):
        config = load_ranking_config(team)
    assert config["size"]["trivial_lines"] == 12  # the rest of the file holds
    assert {k: v for k, v in config["size"].items() if k != "trivial_lines"} == {
        k: v for k, v in load_ranking_config()["size"].items() if k != "trivial_lines"
    }
    [line] = [r.getMessage() for r in caplog.records]
    assert "\n" not in line
    assert line == (
        f"CSF_RANKING_CONFIG: {team}: 'size.substantial_files', 'size.substantial_lines' and "
        "'size.substantial_factor' are no longer used and are ignored: a change's size now "
        "counts the square root of its lines added over 'size.reference_lines' "
        "(see bot/ranking/ranking.yml)"
    )
    caplog.clear()
    (tmp_path / "one.yml").write_text("size:\n  substantial_lines: 100\n")
    with caplog.at_level("WARNING"):
        assert load_ranking_config(tmp_path / "one.yml") == load_ranking_config()
    [line] = [r.getMessage() for r in caplog.records]
    assert ": 'size.substantial_lines' is no longer used and is ignored: " in line
    (tmp_path / "typo.yml").write_text("size:\n  substantial_size: 1\n")  # never a setting
    with pytest.raises(CsfError, match=re.escape("unknown setting 'size.substantial_size'")):
        load_ranking_config(tmp_path / "typo.yml")
