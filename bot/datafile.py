"""Reading YAML files that teams edit by hand, so every complaint names the file and line.

Role profiles and the company profile are data a recruiter or a compiler lead edits; a typo that
silently drops a dimension or a roadmap theme would show up only as a worse message weeks later.
So they are read from YAML's node tree (which keeps line numbers), with unknown keys refused.

A base module (it imports only `bot.errors`): the taxonomy, role profiles, the company profile
and the ranking weights all read their YAML through `compose` (or `load`) and check their path
globs with `glob_to_regex`. Whatever a file holds, the complaint is one line: text that is not
UTF-8, nesting deep enough to exhaust Python's stack, and tags that ask for Python objects
(`!!python/object:...`, which a node-tree reader would otherwise skip without a word) are all
named with their line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import CsfError, DataFileError

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# Lists and mappings inside each other: csf's files need a handful of levels; PyYAML composes
# recursively and would hit Python's recursion limit near a thousand.
MAX_DEPTH = 64
# The longest span of time any setting or option may name: a century. Spans are added to and
# taken from dates, and a larger one is a slip of the keyboard, not a question.
MOST_DAYS = 36_500
_STANDARD = "tag:yaml.org,2002:"
# The tags a safe loader can build (and `<<:` merges): plain data. Anything else names code.
PLAIN_TAGS = frozenset(
    {*(tag for tag in yaml.SafeLoader.yaml_constructors if tag is not None), f"{_STANDARD}merge"}
)


# libyaml's loader, when PyYAML was built with it.
_FAST: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing nesting deeper than MAX_DEPTH at the line where it starts."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                problem = f"nested more than {MAX_DEPTH} levels deep"
                raise yaml.composer.ComposerError(problem=problem, problem_mark=mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(
    text: str, source: str, *, error: type[CsfError] = DataFileError, shipped: bool = False
) -> Node:
    """The YAML node tree of `text`; syntax errors and empty files name `source` and a line.

    `error` is the exception raised, so each file keeps its own kind of complaint (the taxonomy
    raises `TaxonomyError`) while the reading and the line numbers are done once, here.
    `shipped`: a file csf ships (read on every command), composed by libyaml when PyYAML has
    it. A team's own file is always read by the Python reader: libyaml accepts some text it
    refuses (tabs in flow collections, some block scalars), and a team file must read the same
    on every host.
    """
    root = _compose(text, source, error, fast=shipped)
    if root is None:
        raise error(f"{source}:1: the file is empty")
    return root


def load(text: str, source: str, *, error: type[CsfError] = DataFileError) -> Any:
    """The plain data of `text` (None for an empty file), read as strictly as `compose` reads."""
    root = _compose(text, source, error)
    if root is None:
        return None
    builder = yaml.SafeLoader("")
    try:
        return builder.construct_document(root)
    except yaml.MarkedYAMLError as problem:
        raise error(_marked(problem, source)) from None
    finally:
        builder.dispose()


def shipped(text: str) -> Any:
    """The plain data of a file that ships with csf (not one a team edits), read by libyaml
    when PyYAML has it: read on every command, the pure-Python reader costs a CLI run about a
    tenth of a second."""
    return yaml.load(text, Loader=_FAST or yaml.SafeLoader)


def _compose(text: str, source: str, error: type[CsfError], *, fast: bool = False) -> Node | None:
    if fast and _FAST is not None:
        # libyaml reads a well-formed file many times faster; anything it refuses, or a tree
        # too deep, is read again below so the complaint is the same line either way.
        try:
            yaml.reader.Reader(text)  # the same character check as the reader below
            root = yaml.compose(text, Loader=_FAST)
        except yaml.YAMLError:
            pass
        else:
            if root is None:
                return None
            if _depth(root) <= MAX_DEPTH:
                _refuse_code_tags(root, source, error)
                return root
    try:
        loader = _Loader(text)  # checks every character first
    except yaml.reader.ReaderError as problem:
        line = text[: problem.position].count("\n") + 1
        raise error(
            f"{source}:{line}: the character U+{problem.character:04X} is not allowed in YAML"
        ) from None
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as problem:
        raise error(_marked(problem, source)) from None
    except yaml.YAMLError as problem:
        raise error(f"{source}: {' '.join(str(problem).split())}") from None
    finally:
        loader.dispose()
    if root is not None:
        _refuse_code_tags(root, source, error)
    return root


def _depth(root: Node) -> int:
    """How deeply a node tree nests (the root is 1), counted as the composer below counts."""
    deepest = 0
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if id(node) in seen or deepest > MAX_DEPTH:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)
        elif isinstance(node, MappingNode):
            stack.extend((item, depth + 1) for pair in node.value for item in pair)
    return deepest


def _marked(problem: yaml.MarkedYAMLError, source: str) -> str:
    mark = problem.problem_mark or problem.context_mark
    line = mark.line + 1 if mark is not None else 1
    return f"{source}:{line}: {' '.join(str(problem.problem or problem).split())}"


def _refuse_code_tags(root: Node, source: str, error: type[CsfError]) -> None:
    """Raise at the first node whose tag is not plain data (anchors may share nodes, or loop)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in PLAIN_TAGS:
            shown = (
                node.tag.replace(_STANDARD, "!!", 1) if node.tag.startswith(_STANDARD) else node.tag
            )
            raise error(
                f"{source}:{line_of(node)}: the tag {shown} is not allowed: a data file holds "
                "only text, numbers, lists and mappings"
            )
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            stack.extend(item for pair in node.value for item in pair)


def read_text(
    path: str | Path,
    what: str,
    setting: str | None = None,
    *,
    error: type[CsfError] = DataFileError,
) -> str:
    """A data file's text; an unreadable file, or one not in UTF-8, is one line naming it."""
    file = Path(path)
    prefix = f"{setting}: " if setting else ""
    try:
        return file.read_text(encoding="utf-8")
    except OSError as problem:
        raise error(f"{prefix}cannot read the {what} {file} ({problem.strerror})") from None
    except UnicodeDecodeError as problem:
        line = problem.object[: problem.start].count(b"\n") + 1
        bad = problem.object[problem.start]
        raise error(
            f"{prefix}the {what} {file} is not UTF-8 text (line {line}: byte 0x{bad:02x})"
        ) from None


def glob_problem(glob: str) -> str | None:
    """What is wrong with a path glob from a hand-edited file, or None when it is usable."""
    if glob.startswith("/"):
        return f"{glob!r} must be relative to the repository root"
    try:
        translated = glob_to_regex(glob)
        if "[" in glob:  # only a character class can translate to a pattern `re` refuses
            re.compile(translated)
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
        if not math.isfinite(value):
            raise self.fail(node, f"{what} must be a finite number")
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
