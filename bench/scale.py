"""Benchmark: a store the size of llvm-project's history, with the shipped taxonomy.

Run by hand (not a test):  .venv/bin/python bench/scale.py [--commits 500000] [--prs 200000]
Builds (once, cached in --store) a SQLite store shaped like llvm-project's: `--commits` commits
and `--prs` merged PRs with their reviews and comments, some issues, by `--people` fictional
people whose activity follows a long tail (a few hundred do most of the work), in paths of the
real layout that the shipped taxonomy's MLIR and LLVM topics cover, and elsewhere (clang, libc,
…). Commits that landed a PR carry its number, as GitHub squash merges do. It goes through the
ingest's own writers (`upsert_contributions`, `index_batch`), so topics, words and natures are
what an ingest stores. With the defaults the store holds about 5,000,000 contributions.

Then it prints: the store's size on disk (bytes per contribution); a full score refresh and
the refresh after an ingest that brought nothing new (kept, not summed again); `who` for
every shipped MLIR and LLVM topic summed live (`cached=False`), from the score cache, and
from it once its answers are prepared (`prepare_answers`, as after every sync and ingest);
free-word questions, alone and in MLIR ("mlir fold op"); and the weekly digest. Medians and
p95 in milliseconds. With CSF_TEST_POSTGRES_URL set and `--postgres`, it copies the store to
PostgreSQL (bench/who.py's COPY, in a schema of its own, once) and measures there too.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
YEARS = 8  # of history
REPO = "llvm/llvm-project"
ELSEWHERE = [  # folders of llvm-project that no shipped topic covers
    "clang/lib/Sema",
    "clang/lib/CodeGen",
    "clang/test/CodeGen",
    "libc/src/string",
    "libcxx/include",
    "lldb/source/Plugins",
    "flang/lib/Lower",
    "llvm/utils/gn/secondary",
]
VERBS = ["Fold", "Canonicalize", "Lower", "Verify", "Fix", "Add", "Support", "Refactor"]
NOUNS = ["op", "pattern", "interface", "attribute", "type", "pass", "builder", "printer"]
UPKEEP = ["Bump version to {n}", 'Revert "Fix {n}"', "[NFC] Reformat {n}"]


def _concrete(glob: str, rng: random.Random) -> str:
    """A file a topic's glob covers: `**` become real-looking folders, `*` a name."""
    parts = []
    for part in glob.split("/"):
        if part == "**":
            parts.append(rng.choice(["lib", "include/mlir", "test", "Transforms", "IR"]))
        elif "*" in part or "?" in part or "[" in part or "{" in part:
            parts.append(f"File{rng.randrange(60)}.cpp")
        else:
            parts.append(part)
    if not parts[-1].count("."):
        parts.append(f"File{rng.randrange(60)}.cpp")
    return "/".join(parts)


def _areas(rng: random.Random) -> list[list[str]]:
    """Per area (each MLIR and LLVM topic, and the uncovered folders), a few dozen files."""
    from bot.taxonomy.model import default_taxonomy

    taxonomy = default_taxonomy()
    areas = []
    for eco in taxonomy.ecosystems:
        if REPO not in eco.repos:
            continue
        for topic in eco.topics:
            areas.append(
                [_concrete(rng.choice(topic.paths), rng) for _ in range(40)] if topic.paths else []
            )
    areas = [files for files in areas if files]
    areas += [[f"{folder}/File{k}.cpp" for k in range(40)] for folder in ELSEWHERE]
    return areas


def build(url: str, commits: int, prs: int, people: int, seed: int = 11) -> int:
    """The store; returns how many contributions it holds."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from bot.ingest.pipeline import index_batch
    from bot.store.engine import make_engine, upgrade
    from bot.store.models import ContributionKind, Person
    from bot.store.writes import ContributionRecord, upsert_contributions, upsert_repo
    from bot.taxonomy.model import default_taxonomy

    taxonomy = default_taxonomy()
    rng = random.Random(seed)
    areas = _areas(rng)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(areas))]
    engine = make_engine(url)
    upgrade(engine)
    total = 0
    with Session(engine) as session:
        repo = upsert_repo(session, REPO, "llvm")
        now = datetime.now(UTC)
        person = Person.__table__  # type: ignore[attr-defined]
        session.execute(
            sa.insert(person),
            [
                {"login": f"dev-{i}", "name": f"Dev {i} Fictional", "is_bot": False}
                | {"created_at": now, "updated_at": now}
                for i in range(people)
            ],
        )
        ids = list(session.execute(sa.select(person.c.id).order_by(person.c.id)).scalars())
        session.commit()
        # A long tail: person k is drawn with weight 1/(k+1); each has one or two home areas.
        activity = list(itertools.accumulate(1 / (k + 1) for k in range(people)))  # cumulative
        spread = list(itertools.accumulate(weights))

        def anyone() -> int:
            return rng.choices(range(people), cum_weights=activity)[0]

        home = [rng.choices(range(len(areas)), cum_weights=spread, k=2) for _ in range(people)]
        batch: list[ContributionRecord] = []
        started = time.perf_counter()

        def flush() -> None:
            nonlocal batch, total
            if batch:
                cids = upsert_contributions(session, batch)
                index_batch(session, taxonomy, repo, cids, batch)
                session.commit()
                total += len(batch)
                batch = []
                print(f"  {total:,} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

        # Who works in each area, for its reviewers; the busiest first.
        workers: list[list[int]] = [[] for _ in areas]
        for person_index, places in enumerate(home):
            for area in set(places):
                workers[area].append(person_index)
        last_area = 0

        def change(author: int) -> tuple[list[str], str, int, int]:
            nonlocal last_area
            area = last_area = (
                rng.choice(home[author])
                if rng.random() < 0.8
                else rng.choices(range(len(areas)), cum_weights=spread)[0]
            )
            files = rng.sample(areas[area], rng.choice([1, 1, 2, 3, 5]))
            n = rng.randrange(10**6)
            if rng.random() < 0.05:
                title = rng.choice(UPKEEP).format(n=n)
            else:
                title = f"[{files[0].split('/')[0]}] {rng.choice(VERBS)} {rng.choice(NOUNS)} {n}"
            return files, title, rng.randint(1, 400), rng.randint(0, 150)

        # One person in fifty is new: all their work is in the last three months (whom the
        # digest is for); everyone else's spans the whole history.
        newcomers = set(rng.sample(range(people), people // 50))

        def when(author: int) -> datetime:
            if author in newcomers:
                return AS_OF - timedelta(days=rng.random() * 90)
            return AS_OF - timedelta(days=rng.random() ** 0.7 * 365 * YEARS)

        authors = rng.choices(range(people), cum_weights=activity, k=prs + commits)
        for number in range(1, prs + 1):
            author = authors[number - 1]
            files, title, added, deleted = change(author)
            opened = when(author)
            common = {
                "repo_id": repo.id or 0,
                "paths": files,
                "title": title,
                "files_changed": len(files),
                "additions": added,
                "deletions": deleted,
            }
            batch.append(
                ContributionRecord(
                    person_id=ids[author],
                    kind=ContributionKind.PR,
                    external_id=str(number),
                    created_at=opened,
                    occurred_at=opened + timedelta(days=2),
                    merged_at=opened + timedelta(days=2),
                    url=f"https://github.com/{REPO}/pull/{number}",
                    state="merged",
                    **common,  # type: ignore[arg-type]
                )
            )
            # Reviews mostly by the area's busiest people, comments by anyone.
            local = workers[last_area][:200]
            for k in range(rng.choice([1, 2, 2, 3, 4])):
                reviewer = rng.choice(local) if local and rng.random() < 0.7 else anyone()
                batch.append(
                    ContributionRecord(
                        person_id=ids[reviewer],
                        kind=ContributionKind.REVIEW,
                        external_id=f"{number}:review:{k}",
                        created_at=opened + timedelta(days=1),
                        occurred_at=opened + timedelta(days=1),
                        parent_number=number,
                        state="approved",
                        **common,  # type: ignore[arg-type]
                    )
                )
            for k in range(rng.randrange(0, 39)):
                batch.append(
                    ContributionRecord(
                        person_id=ids[anyone()],
                        kind=ContributionKind.COMMENT,
                        external_id=f"{number}:comment:{k}",
                        created_at=opened + timedelta(hours=k),
                        occurred_at=opened + timedelta(hours=k),
                        parent_number=number,
                        **common,  # type: ignore[arg-type]
                    )
                )
            if len(batch) >= 20000:
                flush()
        for n in range(commits):
            author = authors[prs + n]
            files, title, added, deleted = change(author)
            landed = when(author)
            # Half the commits landed a PR (`(#N)`): the PR counts them.
            linked = rng.randrange(1, prs + 1) if rng.random() < 0.5 else None
            batch.append(
                ContributionRecord(
                    repo_id=repo.id or 0,
                    person_id=ids[author],
                    kind=ContributionKind.COMMIT,
                    external_id=f"{n:040x}",
                    created_at=landed,
                    occurred_at=landed,
                    url=f"https://github.com/{REPO}/commit/{n:040x}",
                    title=title,
                    parent_number=linked,
                    files_changed=len(files),
                    additions=added,
                    deletions=deleted,
                    paths=files,
                )
            )
            if len(batch) >= 20000:
                flush()
        flush()
    engine.dispose()
    return total


def _stats(name: str, times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        f"{name}_median_ms": round(1000 * statistics.median(times), 1),
        f"{name}_p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1),
    }


def measure(url: str, **engine_options: object) -> dict[str, float]:
    from sqlmodel import Session

    from bot.ranking.scores import keep_if_unchanged, prepare_answers, refresh_scores
    from bot.ranking.who import load_ranking_config, who
    from bot.reports.digest import compute_digest, period_ending
    from bot.store.engine import make_engine, upgrade
    from bot.taxonomy.model import default_taxonomy
    from bot.taxonomy.question import read_query

    taxonomy = default_taxonomy()
    config = load_ranking_config(os.environ.get("CSF_RANKING_CONFIG"))
    engine = make_engine(url, **engine_options)  # type: ignore[arg-type]
    upgrade(engine)
    questions = [
        [eco.key, *topic.name.lower().split()]
        for eco in taxonomy.ecosystems
        if REPO in eco.repos
        for topic in eco.topics
        if topic.paths
    ]
    free = [[f"file{k}"] for k in range(10)]
    free += [[verb.lower(), noun] for verb, noun in zip(VERBS, NOUNS, strict=True)]
    out: dict[str, float] = {}
    live, cached, ready, words, scoped, digests = [], [], [], [], [], []
    with Session(engine) as session:
        for words_asked in questions:
            reading = read_query(taxonomy, words_asked)
            assert reading.topics, words_asked
            assert not reading.free_words, words_asked
            started = time.perf_counter()
            answer = who(session, taxonomy, reading, config=config, as_of=AS_OF, cached=False)
            live.append(time.perf_counter() - started)
            assert answer.results, words_asked
        started = time.perf_counter()
        full = refresh_scores(session, taxonomy, config, as_of=AS_OF)
        session.commit()
        out["refresh_full_s"] = round(time.perf_counter() - started, 1)
        out["refresh_locked_s"] = round(full.locked, 1)
        out["refresh_rows"] = full.scores
        started = time.perf_counter()
        again = keep_if_unchanged(session, taxonomy, config, as_of=AS_OF + timedelta(hours=1))
        session.commit()
        out["refresh_nothing_new_s"] = round(time.perf_counter() - started, 2)
        out["refresh_nothing_new_kept"] = again.kept

        def from_cache(times: list[float]) -> None:
            for words_asked in questions:
                reading = read_query(taxonomy, words_asked)
                started = time.perf_counter()
                answer = who(session, taxonomy, reading, config=config, as_of=AS_OF)
                times.append(time.perf_counter() - started)
                assert answer.scores_as_of is not None, f"{words_asked}: the cache was not used"

        from_cache(cached)
        # Then as they are after a sync or an ingest: each topic's first page prepared.
        started = time.perf_counter()
        prepared = prepare_answers(session, taxonomy, config)
        out["prepare_s"] = round(time.perf_counter() - started, 1)
        out["prepared_topics"] = prepared.topics
        from_cache(ready)
        for words_asked in free:
            reading = read_query(taxonomy, words_asked)
            started = time.perf_counter()
            who(session, taxonomy, reading, config=config, as_of=AS_OF)
            words.append(time.perf_counter() - started)
            # The same words in an ecosystem, as a recruiter asks them ("mlir cse").
            reading = read_query(taxonomy, ["mlir", *words_asked])
            started = time.perf_counter()
            who(session, taxonomy, reading, config=config, as_of=AS_OF)
            scoped.append(time.perf_counter() - started)
        period = period_ending(AS_OF.date(), ZoneInfo("UTC"))
        for _ in range(3):
            started = time.perf_counter()
            digest = compute_digest(
                session, taxonomy, config=config, team_id="bench", period=period, featured=[]
            )
            digests.append(time.perf_counter() - started)
            out["digest_entries"] = len(digest.entries)
    engine.dispose()
    out.update(_stats("known_topic_live", live))
    out.update(_stats("known_topic_cached", cached))
    out.update(_stats("known_topic_prepared", ready))
    out.update(_stats("free_words", words))
    out.update(_stats("free_words_in_mlir", scoped))
    out["digest_median_s"] = round(statistics.median(digests), 2)
    out["questions"] = len(questions)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=500_000)
    parser.add_argument("--prs", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--store", type=Path, default=Path("/tmp/csf-bench-scale.db"))
    parser.add_argument("--postgres", action="store_true", help="also measure PostgreSQL")
    args = parser.parse_args()
    url = f"sqlite:///{args.store}"
    if not args.store.exists():
        print(f"building {args.store} ...", file=sys.stderr)
        started = time.perf_counter()
        total = build(url, args.commits, args.prs, args.people)
        print(f"built {total:,} contributions in {time.perf_counter() - started:.0f} s")
    import sqlite3

    with sqlite3.connect(args.store) as db:
        total = db.execute("SELECT count(*) FROM contribution").fetchone()[0]
    size = args.store.stat().st_size
    print(
        f"sqlite store: {total:,} contributions, {size / 2**30:.2f} GiB, "
        f"{size / total:,.0f} bytes per contribution"
    )
    print("sqlite:", measure(url))
    pg = os.environ.get("CSF_TEST_POSTGRES_URL")
    if args.postgres and pg:
        from bench.who import postgres_copy

        pg_url, options = postgres_copy(args.store, pg, "csf_bench_scale")
        print("postgresql:", measure(pg_url, **options))


if __name__ == "__main__":
    main()
