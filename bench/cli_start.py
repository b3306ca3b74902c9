"""Benchmark: `csf who <topic>` as a whole process, and where its time goes.

Run by hand (not a test):  .venv/bin/python bench/cli_start.py [--runs 15] [--store PATH]

A command's time as a user feels it is the interpreter's start, the imports, the answer and
the interpreter's exit. This times, interleaved run by run on the demo's store (built with
`csf demo --store PATH` when missing): the bare interpreter (`python -c pass`); importing the
CLI and the `who` command's group, then exiting as `csf` does (after `gc.freeze()`); the same
imports without the freeze (the exit's collection walks everything they built, as every
command did before); the same exiting at once (`os._exit`: no clean-up at all); and the whole
`csf who mlir bufferization`. It prints medians and 90th percentiles.

The project's bytecode (all its packages) is compiled first, as an installed csf has it (pip
compiles a package when it installs it; Python writes it on the first run): on a machine that
sets PYTHONDONTWRITEBYTECODE, every run would otherwise compile csf's own modules again, about
0.14 s of a `csf who` here, which no user's installed csf spends.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["bot", "slackui", "handlers", "scheduler", "cli"]  # what pip installs
QUESTION = ("who", "mlir", "bufferization")
IMPORTS = "import cli.main as m; m.load_commands(['who'])"


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="at least 1")
    parser.add_argument("--store", type=Path, default=Path("/tmp/csf-bench-demo.db"))
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    env = {**os.environ, "CSF_DATABASE_URL": f"sqlite:///{args.store}"}
    if not args.store.exists():
        subprocess.run(
            [sys.executable, "-m", "cli", "demo", "--store", str(args.store)],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    python = sys.executable
    commands = {
        "bare_python": [python, "-c", "pass"],
        "imports_frozen": [python, "-c", f"{IMPORTS}; import gc; gc.freeze()"],
        "imports_not_frozen": [python, "-c", IMPORTS],
        "imports_no_exit_cleanup": [python, "-c", f"{IMPORTS}; import os; os._exit(0)"],
        "csf_who": [python, "-m", "cli", *QUESTION],
    }
    compiled = [python, "-m", "compileall", "-q", *PACKAGES]
    subprocess.run(compiled, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    _timed(commands["csf_who"], env)  # the store in the page cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(_timed(command, env))
    report: dict[str, object] = {"runs": args.runs, "question": " ".join(QUESTION)}
    for name, values in times.items():
        report[f"{name}_median_s"] = round(statistics.median(values), 3)
        if len(values) > 1:  # between the runs' times, never past the slowest
            p90 = statistics.quantiles(values, n=10, method="inclusive")[-1]
            report[f"{name}_p90_s"] = round(p90, 3)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
