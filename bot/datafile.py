"""Reading YAML files that teams edit by hand, so every complaint names the file and line.

Role profiles and the company profile are data a recruiter or a compiler lead edits; a typo that
silently drops a dimension or a roadmap theme would show up only as a worse message weeks later.
So they are read from YAML's node tree (which keeps line numbers), with unknown keys refused.

A base module (it imports only `bot.errors`): the taxonomy, role profiles and the company profile
all read their YAML through `compose` and check their path globs with `glob_to_regex`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import CsfError, DataFileError

KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def compose(text: str, source: str, *, error: type[CsfError] = DataFileError) -> Node:
    """The YAML node tree of `text`; syntax errors and empty files name `source` and a line.

    `error` is the exception raised, so each file keeps its own kind of complaint (the taxonomy
    raises `TaxonomyError`) while the reading and the line numbers are done once, here.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise error(f"{source}:{line}: {problem.problem or problem}") from None
    except yaml.YAMLError as problem:
        raise error(f"{source}: {problem}") from None
    if root is None:
        raise error(f"{source}:1: the file is empty")
    return root


def read_text(path: str | Path, what: str, setting: str | None = None) -> str:
    """A data file's text; an unreadable file is one line naming it (and its setting)."""
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8")
    except OSError as error:
        prefix = f"{setting}: " if setting else ""
        raise DataFileError(f"{prefix}cannot read the {what} {file} ({error.strerror})") from None


def glob_problem(glob: str) -> str | None:
    """What is wrong with a path glob from a hand-edited file, or None when it is usable."""
    if glob.startswith("/"):
        return f"{glob!r} must be relative to the repository root"
    try:
        re.compile(glob_to_regex(glob))
    except (ValueError, re.error) as error:
        return str(error)
    return None


def glob_to_regex(glob: str) -> str:
    """Translate a path glob to a regex: `*` within a folder, `**` across folders, `{a,b}`.

    `fnmatch` lets `*` cross `/`, which would make `lib/*.cpp` match every file below `lib/`.
    """
    out: list[str] = []
    i = 0
    depth = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{":
            out.append("(?:")
            depth += 1
        elif char == "}" and depth:
            out.append(")")
            depth -= 1
        elif char == "," and depth:
            out.append("|")
        elif char == "[":
            end = glob.find("]", i + 1)
            if end == -1:
                raise ValueError(f"unclosed '[' in glob {glob!r}")
            out.append("[" + glob[i + 1 : end].replace("!", "^", 1) + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    if depth:
        raise ValueError(f"unclosed '{{' in glob {glob!r}")
    return "".join(out)


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


@dataclass
class Reader:
    """Walks a node tree; `fail` makes an error carrying the file and the node's line."""

    source: str

    def fail(self, node: Node, message: str) -> DataFileError:
        return DataFileError(f"{self.source}:{line_of(node)}: {message}")

    def items(self, node: Node, what: str) -> Iterator[tuple[str, Node, Node]]:
        """(key, key node, value node) of a mapping, refusing repeated keys."""
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a mapping of names to settings")
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, f"{what}: keys must be plain names")
            key = str(key_node.value)
            if key in seen:
                raise self.fail(
                    key_node, f"{what}: {key!r} appears twice (first on line {seen[key]})"
                )
            seen[key] = line_of(key_node)
            yield key, key_node, value_node

    def settings(
        self, node: Node, what: str, allowed: set[str], required: tuple[str, ...] = ()
    ) -> dict[str, Node]:
        """A mapping of known settings; unknown and missing ones are errors at their line."""
        found: dict[str, Node] = {}
        for key, key_node, value_node in self.items(node, what):
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail(key_node, f"{what}: unknown setting {key!r} (known: {known})")
            found[key] = value_node
        for key in required:
            if key not in found:
                raise self.fail(node, f"{what} needs '{key}:'")
        return found

    def key(self, key: str, key_node: Node, what: str) -> str:
        if not KEY.match(key):
            raise self.fail(key_node, f"{what}: names are lower-case letters, digits and _")
        return key

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.fail(node, f"{what} must be text")
        value = " ".join(str(node.value).split())
        if not value:
            raise self.fail(node, f"{what} must not be empty")
        return value

    def texts(self, node: Node, what: str) -> tuple[str, ...]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} must be a list, e.g. [a, b]")
        return tuple(self.text(item, f"an entry of {what}") for item in node.value)

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        if not node.value:
            raise self.fail(node, f"{what} must not be empty")
        return list(node.value)

    def number(
        self, node: Node, what: str, *, low: float = 0.0, high: float | None = None
    ) -> float:
        tags = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
        if not isinstance(node, ScalarNode) or node.tag not in tags:
            raise self.fail(node, f"{what} must be a number")
        value = float(yaml.safe_load(node.value))
        if value < low or (high is not None and value > high):
            bounds = f"between {low:g} and {high:g}" if high is not None else f"{low:g} or more"
            raise self.fail(node, f"{what} must be {bounds}")
        return value

    def globs(self, node: Node, what: str) -> tuple[str, ...]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} must be a list, e.g. [a, b]")
        result = []
        for item in node.value:
            glob = self.text(item, f"an entry of {what}")
            problem = glob_problem(glob)
            if problem:
                raise self.fail(item, f"{what}: {problem}")
            result.append(glob)
        return tuple(result)

    def url(self, node: Node, what: str) -> str:
        value = self.text(node, what)
        if not re.match(r"^https?://[^\s/]+\S*$", value):
            raise self.fail(node, f"{what} must be an http:// or https:// address")
        return value
