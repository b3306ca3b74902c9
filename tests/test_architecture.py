"""House rules of the layout: one core library, thin faces, data flowing one way.

The core (`bot/`) takes a session and plain values and returns plain values; Slack, the terminal
and scheduling live at the edges. `slackui/` is the Slack output every face shares (Block Kit,
the Web API client, digest posting); the faces (`handlers/`, `scheduler/`, `cli/`) import the core
and `slackui`, never each other. Inside the core, a stage imports only the stages below it.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACE_LIBRARIES = ("slack_bolt", "slack_sdk", "typer", "rich", "gunicorn", "apscheduler")
FACES = ("handlers", "scheduler", "cli")
# The core's stages, lowest first: a module may import its own stage and those before it.
STAGES = (
    "errors",
    "config",
    "logs",
    "datafile",
    "dates",
    "store",
    "taxonomy",
    "sources",
    "people",
    "ingest",
    "ranking",
    "shortlist",
    "reports",
    "outreach",
    "demo",
    "runtime",  # assembles the stages for the faces; nothing in the core imports it
)
# The terminal's entry module starts the other two faces (`csf run`, `csf worker`).
ENTRY_CROSSINGS = {
    ROOT / "cli" / "run.py": {"handlers.app", "scheduler.worker", "scheduler.jobs"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _stage(path: Path) -> str:
    parts = path.relative_to(ROOT / "bot").parts
    return parts[0] if len(parts) > 1 else path.stem


def test_core_imports_no_face_library_and_no_face() -> None:
    forbidden = (*FACE_LIBRARIES, *FACES, "slackui")
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _python_files("bot")
        for name in _imports(path)
        if name.split(".")[0] in forbidden
    ]
    assert offenders == []


def test_slack_output_imports_only_the_core() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _python_files("slackui")
        for name in _imports(path)
        if name.split(".")[0] in FACES
    ]
    assert offenders == []


def test_no_face_imports_another_face() -> None:
    offenders = []
    for face in FACES:
        for path in _python_files(face):
            allowed = ENTRY_CROSSINGS.get(path, set())
            for name in _imports(path):
                top = name.split(".")[0]
                if top in FACES and top != face and name not in allowed:
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_core_stages_import_only_downward() -> None:
    offenders = []
    for path in _python_files("bot"):
        if "migrations" in path.parts or path == ROOT / "bot" / "__init__.py":
            continue
        here = _stage(path)
        assert here in STAGES, f"{path.relative_to(ROOT)}: stage {here} is not in STAGES"
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "bot" or len(parts) < 2:
                continue
            there = parts[1]
            if STAGES.index(there) > STAGES.index(here):
                offenders.append(f"{path.relative_to(ROOT)} ({here}) imports {name} ({there})")
    assert offenders == []


def test_ruff_bans_every_face_library_in_the_core_only() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = config["tool"]["ruff"]["lint"]
    assert set(FACE_LIBRARIES) <= set(lint["flake8-tidy-imports"]["banned-api"])
    ignored = {glob for glob, codes in lint["per-file-ignores"].items() if "TID251" in codes}
    assert ignored == {"slackui/**", "handlers/**", "scheduler/**", "cli/**", "tests/**"}


def test_the_checks_would_see_an_offender(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from slack_bolt import App\nimport handlers.listeners\nimport bot.reports.x")
    assert {"slack_bolt", "handlers.listeners", "bot.reports.x"} <= _imports(sample)
    assert STAGES.index("reports") > STAGES.index("store")


def test_tests_share_worlds_through_support_never_through_each_other() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        for name in _imports(path)
        if name.startswith("tests.") and not name.startswith(("tests.support", "tests.conftest"))
    ]
    assert offenders == []
