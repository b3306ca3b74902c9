"""Benchmark: every busy folder of a real mirror asked as a question, for the answers that fail.

Run by hand (not a test; needs local mirrors, e.g. from `git clone --mirror`):

    .venv/bin/python bench/sweep.py MIRROR=OWNER/NAME:ECOSYSTEM [...] [--fresh] [--min-commits 10]

The owner-file benchmark (bench/owners.py) scores the areas a repository's owners wrote down;
this one asks about every folder (to three levels) with at least `--min-commits` commits in the
window, as `csf backtest owners` words a folder, and counts the answers a compiler lead would
call broken: "no one found" where the plain path count finds commits, and names in the top ten
that look like tools rather than people (`--names` prints those, and only those, to check by
eye); and the answers that list one name on two records (`twice`: records csf has not joined,
which `csf people suggest` offers). Stores are shared with bench/owners.py (`csf-bench.db`
beside the mirror).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))
from owners import _head_date, _store  # noqa: E402

# Words of names that a tool, an account, a machine, a coding agent or a pseudo-author would
# carry; people rarely do (each hit is printed to check by eye).
_TOOLISH = re.compile(
    r"\b(bot|bots|automation|ci|release|releases|authors|team|copybara|admin|service|sync|"
    r"integrate|integration|jenkins|builder|github|noreply|merge|robot|machine|infra|ops|"
    r"root|ubuntu|super ?user|agent|assistant|claude|copilot|codex|cursor|gemini|devin ai|"
    r"amp|droid|aider|openhands|jules)\b",
    re.IGNORECASE,
)


def _folders(paths: list[list[str]], depth: int) -> Counter[str]:
    """Commits per folder, to `depth` levels (each commit once per folder)."""
    counts: Counter[str] = Counter()
    for files in paths:
        seen: set[str] = set()
        for path in files:
            parts = PurePosixPath(path).parts[:-1]
            for level in range(1, min(depth, len(parts)) + 1):
                seen.add("/".join(parts[:level]))
        counts.update(seen)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("specs", nargs="+", help="MIRROR=OWNER/NAME:ECOSYSTEM")
    parser.add_argument("--fresh", action="store_true", help="ingest again into a new store")
    parser.add_argument("--min-commits", type=int, default=10)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--names", action="store_true", help="print tool-like names seen")
    args = parser.parse_args()

    import sqlalchemy as sa
    from sqlmodel import Session, select

    from bot.ranking.who import load_ranking_config, who
    from bot.reports.backtest_owners import area_words, baseline_ranking
    from bot.store.engine import make_engine
    from bot.store.models import Contribution, Repo
    from bot.taxonomy.model import default_taxonomy
    from bot.taxonomy.question import read_query

    taxonomy = default_taxonomy()
    config = load_ranking_config(os.environ.get("CSF_RANKING_CONFIG"))
    # As `csf backtest owners` asks: an owner file the store read cannot answer for anyone.
    settings = {**config, "points": {**config["points"], "ownership": 0.0}}
    days = int(config["window_days"])
    print(f"{'repository':38} {'asked':>5} {'nobody':>6} {'toolish':>7} {'twice':>5}  seconds")
    for spec in args.specs:
        mirror_text, _, rest = spec.partition("=")
        name, ecosystem = rest.split(":", 1)
        mirror = Path(mirror_text)
        engine = make_engine(_store(mirror, name, ecosystem, args.fresh))
        as_of = _head_date(mirror)
        start = as_of - timedelta(days=days)
        started = time.perf_counter()
        nobody: list[str] = []
        toolish: Counter[str] = Counter()
        twice = 0  # answers listing one name on two records (a person csf has not joined)
        asked = 0
        with Session(engine) as session:
            repo = session.exec(select(Repo).where(Repo.full_name == name)).one()
            assert repo.id is not None
            c = Contribution.__table__  # type: ignore[attr-defined]
            rows = session.execute(
                sa.select(c.c.paths).where(
                    c.c.repo_id == repo.id,
                    c.c.kind == "commit",
                    c.c.occurred_at >= start,
                    c.c.occurred_at < as_of,
                )
            )
            folders = _folders([list(p) for (p,) in rows], args.depth)
            questions: dict[tuple[str, ...], str] = {}
            for folder, n in sorted(folders.items()):
                words = area_words(folder + "/**", None, name)
                if n >= args.min_commits and words and words not in questions:
                    questions[words] = folder
            for words, folder in questions.items():
                asked += 1
                asked_as = [name.rsplit("/", 1)[-1], *words]
                reading = replace(
                    read_query(taxonomy, asked_as, [(name, repo.ecosystem)]), repos=(name,)
                )
                answer = who(session, taxonomy, reading, config=settings, as_of=as_of, cached=False)
                if not answer.results:
                    if baseline_ranking(session, repo.id, words, start, as_of):
                        nobody.append(f"{folder} (q={' '.join(words)})")
                    continue
                names: Counter[str] = Counter()
                for result in answer.results:
                    shown = f"{result.person.get('name') or ''} {result.person.get('login') or ''}"
                    if _TOOLISH.search(shown):
                        toolish[shown.strip()] += 1
                    names[" ".join(str(result.person.get("name") or "").casefold().split())] += 1
                twice += any(n > 1 for name, n in names.items() if name)
        seconds = time.perf_counter() - started
        print(f"{name:38} {asked:>5} {len(nobody):>6} {len(toolish):>7} {twice:>5}  {seconds:.1f}")
        for line in nobody:
            print(f"    no one found: {line}")
        if args.names:
            for shown, n in toolish.most_common():
                print(f"    tool-like name in {n} top tens: {shown}")
        engine.dispose()


if __name__ == "__main__":
    main()
