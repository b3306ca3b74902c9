"""The store's guarantees: idempotent upserts, unique identities, cascades, UTC times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, col, func, select

from bot.ingest.pipeline import index_batch
from bot.store.identity import email_key, login_key, name_key
from bot.store.models import (
    Candidate,
    Contribution,
    ContributionKind,
    ContributionTerm,
    ContributionTopic,
    Identity,
    Person,
    Repo,
)
from bot.store.writes import (
    ContributionRecord,
    add_identity,
    get_cursor,
    json_text,
    resolve_person,
    set_cursor,
    set_topics,
    upsert_contribution,
    upsert_contributions,
    upsert_repo,
)
from bot.taxonomy.model import default_taxonomy

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _pr(repo_id: int, person_id: int, **changes: object) -> ContributionRecord:
    values: dict[str, object] = {
        "repo_id": repo_id,
        "person_id": person_id,
        "kind": ContributionKind.PR,
        "external_id": "4242",
        "created_at": T0,
        "occurred_at": T0,
        "url": "https://github.com/llvm/llvm-project/pull/4242",
        "title": "[mlir][bufferization] Fold alloc_tensor copies",
        "state": "open",
        "files_changed": 3,
        "additions": 120,
        "deletions": 14,
        "paths": ("mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp",),
        "labels": ("mlir:bufferization",),
    }
    values.update(changes)
    return ContributionRecord(**values)  # type: ignore[arg-type]


@pytest.fixture
def ids(session: Session) -> tuple[int, int]:
    repo = upsert_repo(session, "llvm/llvm-project", "mlir")
    person = resolve_person(session, [login_key("ada-fictional")], login="ada-fictional")
    session.commit()
    assert repo.id is not None
    assert person.id is not None
    return repo.id, person.id


def test_same_contribution_stored_twice_is_one_row(session: Session, ids: tuple[int, int]) -> None:
    first = upsert_contribution(session, _pr(*ids))
    second = upsert_contribution(session, _pr(*ids))
    session.commit()
    assert first == second
    assert _count(session, Contribution) == 1


def test_a_key_given_twice_in_one_batch_is_indexed_as_its_stored_record(
    session: Session, ids: tuple[int, int]
) -> None:
    """A PR updated while a sync pages through the list comes twice in one batch; the store
    keeps the later reading, and so does the index: not the union of both readings' topics
    and words."""
    repo = session.get(Repo, ids[0])
    assert repo is not None
    before = _pr(*ids)
    after = _pr(
        *ids,
        title="[mlir][linalg] Tile reductions",
        paths=("mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp",),
        labels=("mlir:linalg",),
    )
    stored = upsert_contributions(session, [before, after])
    index_batch(session, default_taxonomy(), repo, stored, [before, after])
    session.commit()
    assert stored[0] == stored[1]
    topics = set(session.exec(select(ContributionTopic.topic)))
    terms = set(session.exec(select(ContributionTerm.term)))
    assert "mlir.linalg" in topics
    assert "mlir.bufferization" not in topics
    assert "tile" in terms or "tiling" in terms
    assert not {term for term in terms if term.startswith("buffer")}


def test_upsert_updates_what_a_later_sync_changes(session: Session, ids: tuple[int, int]) -> None:
    upsert_contribution(session, _pr(*ids))
    merged = T0 + timedelta(days=2)
    upsert_contribution(
        session,
        _pr(*ids, state="merged", merged_at=merged, occurred_at=merged, labels=("mlir", "x")),
    )
    session.commit()
    row = session.exec(select(Contribution)).one()
    assert row.state == "merged"
    assert row.merged_at == merged
    assert row.labels == ["mlir", "x"]
    assert row.created_at == T0  # the original creation time is kept


def test_contribution_identity_is_repo_kind_and_external_id(
    session: Session, ids: tuple[int, int]
) -> None:
    repo_id, person_id = ids
    other_repo = upsert_repo(session, "triton-lang/triton", "triton")
    assert other_repo.id is not None
    upsert_contribution(session, _pr(repo_id, person_id))
    upsert_contribution(session, _pr(repo_id, person_id, kind=ContributionKind.ISSUE))
    upsert_contribution(session, _pr(other_repo.id, person_id))
    session.commit()
    assert _count(session, Contribution) == 3


def test_unique_constraint_holds_without_the_upsert_helper(
    session: Session, ids: tuple[int, int]
) -> None:
    repo_id, person_id = ids
    for _ in range(2):
        session.add(
            Contribution(
                repo_id=repo_id,
                person_id=person_id,
                kind="commit",
                external_id="abc123",
                created_at=T0,
                occurred_at=T0,
            )
        )
    with pytest.raises(IntegrityError):
        session.commit()


def test_unknown_contribution_kind_is_refused(session: Session, ids: tuple[int, int]) -> None:
    repo_id, person_id = ids
    session.add(
        Contribution(
            repo_id=repo_id,
            person_id=person_id,
            kind="tweet",
            external_id="1",
            created_at=T0,
            occurred_at=T0,
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()


def test_a_login_belongs_to_one_person(session: Session, ids: tuple[int, int]) -> None:
    _, ada = ids
    other = Person(login="bo-fictional")
    session.add(other)
    session.flush()
    assert other.id is not None
    assert add_identity(session, other.id, login_key("Ada-Fictional")) is False
    owners = session.exec(select(Identity.person_id).where(Identity.value == "ada-fictional"))
    assert list(owners) == [ada]
    session.add(Identity(person_id=other.id, kind="github", value="ada-fictional"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_names_are_hints_that_two_people_may_share(session: Session) -> None:
    first = resolve_person(session, [login_key("wen-a"), name_key("Wen Fictional")])
    second = resolve_person(session, [login_key("wen-b"), name_key("wen  fictional")])
    session.commit()
    assert first.id != second.id
    names = session.exec(select(Identity).where(Identity.kind == "name")).all()
    assert {n.person_id for n in names} == {first.id, second.id}


def test_name_identity_is_not_duplicated_for_one_person(session: Session) -> None:
    keys = [login_key("wen-a"), name_key("Wen Fictional")]
    resolve_person(session, keys)
    resolve_person(session, keys)
    session.commit()
    assert _count(session, Identity) == 2


def test_resolve_person_matches_by_address_hash_and_adds_the_login(session: Session) -> None:
    from_git = resolve_person(session, [email_key("Ada@Compilers.Example")])
    from_github = resolve_person(
        session,
        [login_key("ada-fictional"), email_key("ada@compilers.example ")],
        login="ada-fictional",
    )
    session.commit()
    assert from_git.id == from_github.id
    assert from_github.login == "ada-fictional"
    kinds = sorted(i.kind for i in session.exec(select(Identity)))
    assert kinds == ["email", "github"]


def test_no_address_is_stored_in_clear(session: Session) -> None:
    resolve_person(session, [email_key("grace@kernel-fictional.example")])
    session.commit()
    identity = session.exec(select(Identity)).one()
    assert identity.value.startswith("sha256:")
    assert "grace" not in identity.value
    assert identity.domain == "kernel-fictional.example"


def test_topics_are_replaced_not_accumulated(session: Session, ids: tuple[int, int]) -> None:
    repo_id, person_id = ids
    contribution_id = upsert_contribution(session, _pr(repo_id, person_id))
    set_topics(session, contribution_id, person_id, T0, ["mlir", "mlir.bufferization"])
    set_topics(session, contribution_id, person_id, T0, ["mlir", "mlir.bufferization"])
    session.commit()
    assert _count(session, ContributionTopic) == 2
    set_topics(session, contribution_id, person_id, T0, ["mlir", "mlir.linalg"])
    session.commit()
    topics = session.exec(select(ContributionTopic.topic).order_by(col(ContributionTopic.topic)))
    assert list(topics) == ["mlir", "mlir.linalg"]


def test_cursor_upsert_keeps_one_row_per_repo_and_source(
    session: Session, ids: tuple[int, int]
) -> None:
    repo_id, _ = ids
    assert get_cursor(session, repo_id, "github.pulls") is None
    set_cursor(session, repo_id, "github.pulls", "2026-01-01T00:00:00Z")
    set_cursor(session, repo_id, "github.pulls", "2026-02-01T00:00:00Z")
    set_cursor(session, repo_id, "git", "deadbeef")
    session.commit()
    assert get_cursor(session, repo_id, "github.pulls") == "2026-02-01T00:00:00Z"
    assert get_cursor(session, repo_id, "git") == "deadbeef"


def test_repo_upsert_is_case_insensitive_and_reactivates(session: Session) -> None:
    repo = upsert_repo(session, "Apache/TVM", "tvm")
    repo.tracked = False
    again = upsert_repo(session, "apache/tvm", "tvm")
    session.commit()
    assert again.id == repo.id
    assert again.tracked is True


def test_deleting_a_person_removes_everything_about_them(
    session: Session, ids: tuple[int, int]
) -> None:
    repo_id, person_id = ids
    contribution_id = upsert_contribution(session, _pr(repo_id, person_id))
    set_topics(session, contribution_id, person_id, T0, ["mlir.bufferization"])
    session.add(Candidate(team_id="T1", person_id=person_id, saved_by="U1", source="cli"))
    session.commit()
    session.execute(sa.delete(Person).where(col(Person.id) == person_id))
    session.commit()
    for model in (Identity, Contribution, ContributionTopic, Candidate):
        assert _count(session, model) == 0, model.__name__


def test_one_shortlist_entry_per_team_and_person(session: Session, ids: tuple[int, int]) -> None:
    _, person_id = ids
    session.add(Candidate(team_id="T1", person_id=person_id, saved_by="U1", source="reaction"))
    session.add(Candidate(team_id="T2", person_id=person_id, saved_by="U2", source="reaction"))
    session.commit()
    session.add(Candidate(team_id="T1", person_id=person_id, saved_by="U3", source="button"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_times_come_back_as_aware_utc(session: Session, ids: tuple[int, int]) -> None:
    repo_id, person_id = ids
    paris = timezone(timedelta(hours=2))
    local = datetime(2026, 6, 1, 14, 0, tzinfo=paris)
    upsert_contribution(session, _pr(repo_id, person_id, occurred_at=local, created_at=local))
    session.commit()
    session.expire_all()
    row = session.exec(select(Contribution)).one()
    assert row.occurred_at == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert row.occurred_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused(session: Session, ids: tuple[int, int]) -> None:
    repo_id, person_id = ids
    naive = datetime(2026, 6, 1, 14, 0)
    with pytest.raises((StatementError, ValueError), match="naive datetime"):
        upsert_contribution(session, _pr(repo_id, person_id, occurred_at=naive))


def _plan(session: Session, statement: Any) -> str:
    """The store's query plan for `statement`, as one line (PostgreSQL told to avoid scans,
    which it prefers on tables this small)."""
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    dialect = session.get_bind().dialect.name
    explain = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    if dialect == "postgresql":
        session.execute(sa.text("SET enable_seqscan = off"))
    return " ".join(str(row) for row in session.execute(sa.text(explain + str(compiled))))


def test_topic_window_query_uses_the_index(session: Session, ids: tuple[int, int]) -> None:
    """The `who` query (topic + time window) must not scan the whole tag table."""
    statement = (
        select(ContributionTopic.person_id)
        .where(ContributionTopic.topic == "mlir.bufferization")
        .where(col(ContributionTopic.occurred_at) >= T0)
    )
    plan = _plan(session, statement)
    assert "ix_contribution_topic_topic_time" in plan


@pytest.mark.parametrize("model", [ContributionTopic, ContributionTerm])
def test_a_shortlists_rows_in_an_area_are_picked_out_in_the_index(
    session: Session, ids: tuple[int, int], model: Any
) -> None:
    """A few people's rows in a topic or word's window (a `who` answer's evidence) are found
    in the index by person too: on SQLite without reading the rows at all."""
    table = model.__table__
    key = table.c.topic if model is ContributionTopic else table.c.term
    statement = sa.select(table.c.contribution_id).where(
        key == "mlir.bufferization",
        table.c.occurred_at >= T0,
        table.c.person_id.in_([ids[1], ids[1] + 1]),
    )
    plan = _plan(session, statement)
    index = f"ix_{table.name}_{key.name}_time"
    assert index in plan
    if session.get_bind().dialect.name == "sqlite":
        assert f"COVERING INDEX {index}" in plan
    indexes = sa.inspect(session.get_bind()).get_indexes(table.name)
    assert any(i["name"] == index and i["column_names"][-1] == "person_id" for i in indexes)


def test_bulk_and_orm_writes_store_times_alike(session: Session, ids: tuple[int, int]) -> None:
    """Rows written by the bulk path and by the ORM compare and filter as one set."""
    repo_id, person_id = ids
    upsert_contribution(session, _pr(repo_id, person_id, external_id="1", occurred_at=T0))
    session.add(
        Contribution(
            repo_id=repo_id,
            person_id=person_id,
            kind="commit",
            external_id="abc",
            created_at=T0,
            occurred_at=T0 + timedelta(seconds=1),
        )
    )
    upsert_contribution(
        session, _pr(repo_id, person_id, external_id="2", occurred_at=T0 + timedelta(seconds=2))
    )
    session.commit()
    in_window = session.exec(
        select(Contribution.external_id)
        .where(col(Contribution.occurred_at) > T0)
        .order_by(col(Contribution.occurred_at))
    )
    assert list(in_window) == ["abc", "2"]
    assert session.exec(
        select(Contribution.paths).where(Contribution.external_id == "2")
    ).one() == ["mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp"]


def test_each_backend_session_has_the_settings_answers_rely_on(engine: Engine) -> None:
    """SQLite: WAL and a busy timeout; PostgreSQL: no JIT (it compiled each `who` sum for 270
    ms of a 640 ms answer on a million contributions) and every statement planned for its own
    values (a generic plan for prepared statements doubled a big topic's answer), with the
    caller's own options kept."""

    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert int(connection.execute(sa.text("PRAGMA busy_timeout")).scalar() or 0) > 0
        else:
            assert connection.execute(sa.text("SHOW jit")).scalar() == "off"
            plans = connection.execute(sa.text("SHOW plan_cache_mode")).scalar()
            assert plans == "force_custom_plan"
            path = str(connection.execute(sa.text("SHOW search_path")).scalar())
            assert path.startswith("csf_test")  # the fixture's own option survived
    if engine.dialect.name != "sqlite":
        # The same schema named in the URL, as CSF_DATABASE_URL names it for a process.
        from bot.store.engine import make_engine

        url = engine.url.set(query={"options": f"-csearch_path={path}"})
        other = make_engine(url.render_as_string(hide_password=False))
        with other.connect() as connection:
            assert connection.execute(sa.text("SHOW search_path")).scalar() == path
            assert connection.execute(sa.text("SHOW jit")).scalar() == "off"
            plans = connection.execute(sa.text("SHOW plan_cache_mode")).scalar()
            assert plans == "force_custom_plan"
        other.dispose()


@pytest.mark.parametrize(
    "value",
    [
        [],
        {},
        {"commits": 1234.5, "reviews": 0.1, "pull_requests": 3.0, "discussion": -0.0},
        {"tiny": 1e-07, "huge": 1.5e300, "third": 1 / 3},
        {"count": 3},  # an int, a bool, NaN, odd keys: json.dumps's own rules
        {"flag": True},
        {"nan": float("nan")},
        {"inf": float("inf")},
        {'é"\\\n': 1.0},
        {1: 2.0},
        ["mlir/lib/IR/Builders.cpp", "naïve \u2028"],
        [{"a": 1.0}],
        "text",
        None,
    ],
)
def test_bulk_json_is_written_as_json_dumps_writes_it(value: Any) -> None:
    """The bulk path's fast JSON gives json.dumps's exact text, so rows read back alike."""
    assert json_text(value) == json.dumps(value)
