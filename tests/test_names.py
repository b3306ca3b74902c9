"""One concept, one name: a class or type alias is defined in one module of the whole tree.

Two definitions under one name are two concepts sharing it (a GitHub HTTP `Reply` and a
callable that replies in Slack; the core's `Work` and a listener alias) or one concept written
twice (`Message` in three modules); either way, one of them gets another name or an import.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "slackui", "handlers", "scheduler", "cli")
_TYPE_NAME = re.compile(r"^[A-Z][a-z][A-Za-z0-9]*$")  # Person, WhoState; not constants


def _defined_types(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if _TYPE_NAME.match(name)}


def test_each_type_name_is_defined_once() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name in _defined_types(path.read_text(encoding="utf-8")):
                where[name].append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}


def test_the_check_sees_a_type_and_an_alias() -> None:
    sample = "class Reply:\n    pass\nReply2 = 1\nWork = Callable[[], None]\nMAX = 3\n"
    assert _defined_types(sample) == {"Reply", "Reply2", "Work"}
