"""Benchmark: the weekly digest on the 1,000,000-contribution store of bench/who.py.

Run by hand (not a test):  .venv/bin/python bench/digest.py [--weeks 52]
Copies the store bench/who.py caches at /tmp/csf-bench-who.db (or builds one with its builder)
to --store, brings it to this version's schema (the shared cache is left alone), then times one
digest (the week before its as-of date, several times) and a backtest of `--weeks` weekly
digests in one run, and prints seconds per digest and how many people each surfaced. With
CSF_TEST_POSTGRES_URL set it builds (once, in a schema of its own) and measures a PostgreSQL
store too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.who import AS_OF, build, taxonomy_text  # noqa: E402

UTC = ZoneInfo("UTC")


def measure(
    url: str, taxonomy_file: Path, weeks: int, **engine_options: object
) -> dict[str, float]:
    from sqlmodel import Session

    from bot.ranking.who import load_ranking_config
    from bot.reports.digest import backtest, compute_digest, period_ending
    from bot.store.engine import make_engine
    from bot.taxonomy.model import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_file)
    config = load_ranking_config()
    engine = make_engine(url, **engine_options)  # type: ignore[arg-type]
    period = period_ending(AS_OF.date(), UTC)
    singles = []
    with Session(engine) as session:
        for _ in range(5):
            started = time.perf_counter()
            digest = compute_digest(
                session, taxonomy, config=config, team_id="bench", period=period, featured=[]
            )
            singles.append(time.perf_counter() - started)
        first = (AS_OF - timedelta(days=7 * (weeks - 1))).date()
        started = time.perf_counter()
        digests = backtest(
            session,
            taxonomy,
            config=config,
            team_id="bench",
            first=first,
            last=AS_OF.date(),
            tz=UTC,
        )
        elapsed = time.perf_counter() - started
    engine.dispose()
    sizes = [len(d.entries) for d in digests]
    return {
        "digest_median_s": round(statistics.median(singles), 3),
        "digest_max_s": round(max(singles), 3),
        "digest_entries": len(digest.entries),
        "backtest_weeks": len(digests),
        "backtest_total_s": round(elapsed, 2),
        "backtest_per_digest_s": round(elapsed / len(digests), 3),
        "backtest_entries_median": statistics.median(sizes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--contributions", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--store", type=Path, default=Path("/tmp/csf-bench-digest.db"))
    parser.add_argument("--who-store", type=Path, default=Path("/tmp/csf-bench-who.db"))
    args = parser.parse_args()
    taxonomy_file = args.store.with_suffix(".taxonomy.yml")
    taxonomy_file.write_text(taxonomy_text())
    url = f"sqlite:///{args.store}"
    if not args.store.exists() and args.who_store.exists() and args.who_store.stat().st_size:
        print(f"copying {args.who_store} to {args.store} ...", file=sys.stderr)
        shutil.copyfile(args.who_store, args.store)
    if not args.store.exists():
        print(f"building {args.store} ...", file=sys.stderr)
        build(url, args.contributions, args.people)
    from bot.store.engine import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)  # a copy made by an older csf gets this version's schema
    engine.dispose()
    print("sqlite:", measure(url, taxonomy_file, args.weeks))
    pg = os.environ.get("CSF_TEST_POSTGRES_URL")
    if pg:
        import sqlalchemy as sa

        from bot.store.engine import make_engine, upgrade

        pg_url = pg.replace("postgresql://", "postgresql+psycopg://", 1)
        schema = "csf_bench_digest"  # its own: the shared who cache is never migrated here
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        admin = make_engine(pg_url)
        with admin.begin() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}
            ).first()
            if not exists:
                connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        if not exists:
            print("building the PostgreSQL store ...", file=sys.stderr)
            build(pg_url, args.contributions, args.people, **options)
        else:
            engine = make_engine(pg_url, **options)  # type: ignore[arg-type]
            upgrade(engine)
            engine.dispose()
        print("postgresql:", measure(pg_url, taxonomy_file, args.weeks, **options))


if __name__ == "__main__":
    main()
