"""Benchmark: `who` latency on a large fictional store.

Run by hand (not a test):  .venv/bin/python bench/who.py [--contributions 1000000]
Builds (once, cached in --store) a SQLite store of 1,000,000 contributions by 50,000 people over
300 topics (topic sizes follow a Zipf-like curve, so some topics are huge), then times 20
known-topic queries summed live, the score-cache refresh, the same 20 queries answered from the
cache, the same 20 summed live again after the refresh as `--as-of` (a month back) and
`--window-days 1825` ask them (the big topics' months from the refresh's monthly sums), and
20 free-word queries, alone and in the ecosystem ("bench file3", as "mlir cse" is
asked); prints median and p95 per kind. With CSF_TEST_POSTGRES_URL set it copies the same
store to PostgreSQL (COPY, in a schema of its own, once) and measures there.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOPICS = 300
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def taxonomy_text() -> str:
    lines = [
        "ecosystems:",
        "  bench:",
        "    name: Bench",
        "    repos: [example-org/bench]",
        "    topics:",
    ]
    for i in range(TOPICS):
        lines += [
            f"      t{i:03d}:",
            f"        name: Topic {i:03d}",
            f'        paths: ["t{i:03d}/**"]',
        ]
    return "\n".join(lines) + "\n"


def build(
    url: str, contributions: int, people: int, seed: int = 3, **engine_options: object
) -> None:
    from sqlmodel import Session

    from bot.ingest.pipeline import index_batch
    from bot.store.engine import make_engine, upgrade
    from bot.store.identity import login_key
    from bot.store.models import ContributionKind
    from bot.store.writes import (
        ContributionRecord,
        create_person,
        upsert_contributions,
        upsert_repo,
    )
    from bot.taxonomy.model import parse_taxonomy

    taxonomy = parse_taxonomy(taxonomy_text(), "bench taxonomy")

    rng = random.Random(seed)
    engine = make_engine(url, **engine_options)  # type: ignore[arg-type]
    upgrade(engine)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(TOPICS)]
    with Session(engine) as session:
        repo = upsert_repo(session, "example-org/bench", "bench")
        ids = [
            create_person(session, [login_key(f"dev-{i}")], login=f"dev-{i}") for i in range(people)
        ]
        session.commit()
        # Each person works mostly in one or two home topics.
        home = [rng.choices(range(TOPICS), weights)[0] for _ in range(people)]
        batch: list[ContributionRecord] = []
        tags: list[set[str]] = []
        started = time.perf_counter()
        for n in range(contributions):
            p = rng.randrange(people)
            topic = home[p] if rng.random() < 0.8 else rng.choices(range(TOPICS), weights)[0]
            kind = rng.choice(
                [
                    ContributionKind.PR,
                    ContributionKind.REVIEW,
                    ContributionKind.REVIEW,
                    ContributionKind.COMMENT,
                    ContributionKind.ISSUE,
                ]
            )
            when = AS_OF - timedelta(days=rng.random() * 900)
            files = rng.randint(1, 8)
            batch.append(
                ContributionRecord(
                    repo_id=repo.id or 0,
                    person_id=ids[p],
                    kind=kind,
                    external_id=str(n),
                    created_at=when,
                    occurred_at=when,
                    url=f"https://github.com/example-org/bench/pull/{n}",
                    title=f"change {n}",
                    state="merged" if kind == ContributionKind.PR else "approved",
                    files_changed=files,
                    additions=rng.randint(1, 500),
                    deletions=rng.randint(0, 100),
                    paths=[f"t{topic:03d}/src/file{rng.randint(0, 40)}.cpp"],
                )
            )
            tags.append({"bench", f"bench.t{topic:03d}"})
            if len(batch) == 20000:
                cids = upsert_contributions(session, batch)
                index_batch(session, taxonomy, repo, cids, batch)
                session.commit()
                batch, tags = [], []
                print(
                    f"  {n + 1:,} contributions ({time.perf_counter() - started:.0f} s)",
                    file=sys.stderr,
                )
        if batch:
            cids = upsert_contributions(session, batch)
            index_batch(session, taxonomy, repo, cids, batch)
            session.commit()
    engine.dispose()


def copy_to_postgres(sqlite_path: Path, url: str, schema: str) -> None:
    """The SQLite store's rows, COPYed into a migrated PostgreSQL schema.

    Building 1M contributions through the ingest path row batch by row batch takes far too long
    on PostgreSQL; COPY streams each table in one go, and the store is the same rows either way.
    """
    import sqlite3

    import sqlalchemy as sa

    from bot.store.engine import make_engine, upgrade
    from bot.store.models import (
        Contribution,
        ContributionTerm,
        ContributionTopic,
        Identity,
        IndexTime,
        Person,
        Repo,
        from_microseconds,
    )

    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    source = sqlite3.connect(sqlite_path)
    tables = [Person, Identity, Repo, Contribution, ContributionTopic, ContributionTerm]
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")  # SQLite holds naive UTC times
            for model in tables:
                table: sa.Table = model.__table__  # type: ignore[attr-defined]
                names = [column.name for column in table.columns]
                # SQLite's integers for booleans and index times (IndexTime), as COPY wants them.
                converters = [
                    from_microseconds
                    if isinstance(column.type, IndexTime)
                    else _boolean
                    if isinstance(column.type, sa.Boolean)
                    else None
                    for column in table.columns
                ]
                started = time.perf_counter()
                rows = 0
                sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    for row in source.execute(f"SELECT {', '.join(names)} FROM {table.name}"):
                        if any(converters):
                            row = tuple(
                                v if convert is None else convert(v)
                                for v, convert in zip(row, converters, strict=True)
                            )
                        copy.write_row(row)
                        rows += 1
                print(
                    f"  {table.name}: {rows:,} rows ({time.perf_counter() - started:.0f} s)",
                    file=sys.stderr,
                )
                if "id" in names:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
                    )
            cursor.execute("ANALYZE")
        driver.commit()
    finally:
        raw.close()
        source.close()
        engine.dispose()


def _boolean(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _stats(name: str, times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        f"{name}_median_ms": round(1000 * statistics.median(times), 1),
        f"{name}_p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1),
    }


def measure(url: str, taxonomy_file: Path, **engine_options: object) -> dict[str, float]:
    from sqlmodel import Session

    from bot.ranking.scores import prepare_answers, refresh_scores
    from bot.ranking.who import load_ranking_config, who
    from bot.store.engine import make_engine, upgrade
    from bot.taxonomy.model import load_taxonomy
    from bot.taxonomy.question import read_query

    taxonomy = load_taxonomy(taxonomy_file)
    config = load_ranking_config(os.environ.get("CSF_RANKING_CONFIG"))  # a team's weights
    engine = make_engine(url, **engine_options)  # type: ignore[arg-type]
    upgrade(engine)
    rng = random.Random(5)
    # Ten of the biggest topics and ten drawn from the rest.
    topics = [f"topic {i:03d}" for i in range(10)] + [
        f"topic {rng.randrange(10, TOPICS):03d}" for _ in range(10)
    ]
    live, cached, ready, free, scoped, months = [], [], [], [], [], []
    out: dict[str, float] = {}
    with Session(engine) as session:
        who(
            session,
            taxonomy,
            read_query(taxonomy, ["bench", "topic", "000"]),
            config=config,
            as_of=AS_OF,
            cached=False,
        )
        for words in topics:
            reading = read_query(taxonomy, ["bench", *words.split()])
            assert reading.topics, words
            started = time.perf_counter()
            answer = who(session, taxonomy, reading, config=config, as_of=AS_OF, cached=False)
            live.append(time.perf_counter() - started)
            assert answer.results
        started = time.perf_counter()
        refreshed = refresh_scores(session, taxonomy, config, as_of=AS_OF)
        session.commit()
        out["refresh_s"] = round(time.perf_counter() - started, 1)
        out["refresh_rows"] = refreshed.scores
        out["refresh_locked_s"] = round(refreshed.locked, 1)  # the swap: answers wait only here

        def from_cache(times: list[float]) -> None:
            for words in topics:
                reading = read_query(taxonomy, ["bench", *words.split()])
                started = time.perf_counter()
                answer = who(session, taxonomy, reading, config=config, as_of=AS_OF)
                times.append(time.perf_counter() - started)
                assert answer.results
                assert answer.scores_as_of == AS_OF, "the score cache was not used"

        from_cache(cached)
        # Summed live after the refresh, as `--as-of` and `--window-days` are (and a cache too
        # old to stand): the big topics' whole months from the refresh's monthly sums.
        for i, words in enumerate(topics):
            reading = read_query(taxonomy, ["bench", *words.split()])
            as_of, days = (AS_OF - timedelta(days=30), None) if i % 2 else (AS_OF, 1825)
            started = time.perf_counter()
            answer = who(
                session,
                taxonomy,
                reading,
                config=config,
                as_of=as_of,
                window_days=days,
                cached=False,
            )
            months.append(time.perf_counter() - started)
            assert answer.results
        # Then as they are after a sync or an ingest: each topic's first page prepared.
        started = time.perf_counter()
        prepare_answers(session, taxonomy, config)
        out["prepare_s"] = round(time.perf_counter() - started, 1)
        from_cache(ready)
        # Free words: file names (each in about 1/40 of all work), alone or two together.
        for i in range(20):
            words = [f"file{i}"] if i % 2 else [f"file{i}", f"file{i + 1}"]
            reading = read_query(taxonomy, words)
            assert reading.free_words, words
            assert not reading.topics, words
            started = time.perf_counter()
            answer = who(session, taxonomy, reading, config=config, as_of=AS_OF)
            free.append(time.perf_counter() - started)
            assert answer.scores_as_of is None
            # The same words in the ecosystem, as a recruiter asks ("mlir cse"): the
            # ecosystem's own tag holds every contribution, the words a few.
            reading = read_query(taxonomy, ["bench", *words])
            assert reading.free_words, words
            assert reading.ecosystem is not None, words
            started = time.perf_counter()
            answer = who(session, taxonomy, reading, config=config, as_of=AS_OF)
            scoped.append(time.perf_counter() - started)
    engine.dispose()
    for name, times in (
        ("known_topic_live", live),
        ("known_topic_live_after_refresh", months),
        ("known_topic_cached", cached),
        ("known_topic_prepared", ready),
    ):
        out.update(_stats(name, times))
    out.update(_stats("free_words", free))
    out.update(_stats("free_words_in_ecosystem", scoped))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contributions", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--store", type=Path, default=Path("/tmp/csf-bench-who.db"))
    args = parser.parse_args()
    taxonomy_file = args.store.with_suffix(".taxonomy.yml")
    taxonomy_file.write_text(taxonomy_text())
    url = f"sqlite:///{args.store}"
    if not args.store.exists():
        print(f"building {args.store} ...", file=sys.stderr)
        build(url, args.contributions, args.people)
    print("sqlite:", measure(url, taxonomy_file))
    pg = os.environ.get("CSF_TEST_POSTGRES_URL")
    if pg:
        pg_url, options = postgres_copy(args.store, pg, "csf_bench_who")
        print("postgresql:", measure(pg_url, taxonomy_file, **options))


def postgres_copy(store: Path, pg: str, schema: str) -> tuple[str, dict[str, object]]:
    """The SQLite store copied (once) into `schema` of the PostgreSQL at `pg`: its URL and the
    engine options that select the schema."""
    import sqlalchemy as sa

    from bot.store.engine import make_engine

    pg_url = pg.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = make_engine(pg_url)
    with admin.begin() as connection:
        # A copy that failed half-way is rolled back, and the next run starts over.
        filled = (
            connection.execute(
                sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{schema}.contribution"}
            ).scalar()
            and connection.execute(
                sa.text(f"SELECT EXISTS (SELECT 1 FROM {schema}.contribution)")
            ).scalar()
        )
        if not filled:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    options: dict[str, object] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    if not filled:
        print("copying the store to PostgreSQL ...", file=sys.stderr)
        started = time.perf_counter()
        copy_to_postgres(store, pg_url, schema)
        print(f"  copied in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return pg_url, options


if __name__ == "__main__":
    main()
