"""House rules of the layout: the core stays free of Slack, listeners and scheduling."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY_MODULES = {ROOT / "bot" / "app.py", ROOT / "bot" / "cli.py", ROOT / "bot" / "__main__.py"}
FORBIDDEN_IN_CORE = ("slack_bolt", "handlers", "scheduler")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_never_imports_slack_bolt_handlers_or_scheduler() -> None:
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path in ENTRY_MODULES:
            continue
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN_IN_CORE:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_nothing_imports_the_entry_modules() -> None:
    offenders = []
    for folder in ("bot", "handlers", "scheduler"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in ENTRY_MODULES:
                continue
            for name in _imports(path):
                if name in {"bot.app", "bot.cli"}:
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_check_would_see_an_offender(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from slack_bolt import App\nimport handlers.commands\n")
    assert {"slack_bolt", "handlers.commands"} <= _imports(sample)
