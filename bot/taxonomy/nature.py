"""What kind of change a contribution is: real work, or upkeep that builds no expertise.

An LLVM integrate touches every dialect of a repository, a dependency bump or a revert carries a
real-looking size, and deleting a component is a large change; counted as authorship, they made
CI engineers and integrators rank as an area's experts. Each commit and PR is classified once at
ingest (`Contribution.nature`; None is real work) by the rules in `work_nature.yml`, and the
ranking weighs each class by its `nature:` setting. `explain` gives the rule behind a class, so
an answer can say why a change counted little.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from bot.datafile import shipped

# A change touching at least ten times as many generated or vendored files as others, and at
# most this many others, is still `generated`.
_MOST_OTHERS = 2

# `reverted` is not a rule of a change's own: a later change took it back (bot/ingest/reverts.py).
NATURES = (
    "integrate",
    "bump",
    "revert",
    "format",
    "generated",
    "deletion",
    "nfc_sweep",
    "reverted",
)


@dataclass(frozen=True)
class _Rules:
    titles: tuple[tuple[str, re.Pattern[str], str], ...]  # (nature, compiled, pattern)
    any_title: _AnyOf  # all of them at once: most titles match none, and say so fast
    generated: tuple[re.Pattern[str], ...]
    any_generated: re.Pattern[str]  # likewise for the generated paths' patterns
    bulk_added: int
    bulk_per_file: int
    min_deleted: int
    deletion_ratio: float
    nfc_title: re.Pattern[str]
    nfc_min_files: int


@cache
def _rules() -> _Rules:
    text = resources.files("bot.taxonomy").joinpath("work_nature.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = shipped(text)
    titles = tuple(
        (nature, re.compile(pattern, re.IGNORECASE), pattern)
        for nature, patterns in data["titles"].items()
        for pattern in patterns
    )
    return _Rules(
        titles,
        _AnyOf.of([pattern for _, _, pattern in titles]),
        tuple(re.compile(p, re.IGNORECASE) for p in data["generated_paths"]),
        _any_of(list(data["generated_paths"])),
        int(data["bulk"]["min_added"]),
        int(data["bulk"]["min_per_file"]),
        int(data["deletion"]["min_deleted"]),
        float(data["deletion"]["ratio"]),
        re.compile(data["nfc_sweep"]["title"], re.IGNORECASE),
        int(data["nfc_sweep"]["min_files"]),
    )


# A backreference, or a group that is not escaped (an even run of backslashes before it) and
# is named back to, conditional or carries inline flags: joining would change what it means.
_UNJOINABLE = re.compile(r"\\[1-9]|(?<!\\)(?:\\\\)*\(\?(?:P=|[a-zA-Z(])")


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    """One pattern matching where any of `patterns` does; one that matches everything (so
    each rule is tried) when joining them could change what one means (backreferences,
    conditional groups, inline flags)."""
    if any(_UNJOINABLE.search(p) for p in patterns):
        return re.compile("")
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", re.IGNORECASE)
    except re.error:
        return re.compile("")


@dataclass(frozen=True)
class _AnyOf:
    """Whether any of a list of patterns is found in a text, in at most two regex calls: the
    patterns anchored at the start (`^...`, most title rules) joined and tried at the start
    alone, the rest joined and searched for. One search of them all tried each anchored rule
    at every position of the title (32 us a title, a third of classifying a commit)."""

    starts: re.Pattern[str]
    anywhere: re.Pattern[str]

    @classmethod
    def of(cls, patterns: list[str]) -> _AnyOf:
        anchored = [
            p for p in patterns if p.startswith("^") and "(?#" not in p and not _alternates(p)
        ]  # a comment, `(?#...)`, may hold anything: such a rule is searched for everywhere
        rest = [p for p in patterns if p not in anchored]
        return cls(_any_of([p[1:] for p in anchored]), _any_of(rest))

    def hit(self, text: str) -> bool:
        return bool(self.starts.match(text) or self.anywhere.search(text))


def _alternates(pattern: str) -> bool:
    """Whether `pattern` has a `|` outside any group or character class (`^a|b` is anchored in
    its first branch only)."""
    depth, index, in_class = 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[index + 1 : index + 2] == "^":
                index += 1
            if pattern[index + 1 : index + 2] == "]":  # `[]...]` and `[^]...]`: a literal ]
                index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        index += 1
    return False


def explain(
    title: str | None,
    paths: Sequence[str],
    additions: int,
    deletions: int,
    files: int | None = None,
) -> tuple[str, str] | None:
    """(nature, why) of a change, or None for real work; `files` is how many files it touched
    when `paths` may be fewer (GitHub lists a large PR's files only in part)."""
    rules = _rules()
    subject = (title or "").strip()
    if rules.any_title.hit(subject):  # which rule matched first, in the file's order
        for nature, compiled, pattern in rules.titles:
            if compiled.search(subject):
                return nature, f"title matches /{pattern}/"
    if paths:
        # Stops at the first path past what a vendor drop may touch: most changes say so at
        # their first few paths, and a sweep can list thousands.
        others = 0
        for path in paths:
            generated = rules.any_generated.search(path) is not None
            if not (generated and any(g.search(path) for g in rules.generated)):
                others += 1
                if others > _MOST_OTHERS:
                    break
        if not others:
            return "generated", "touches only generated or vendored files"
        if others <= _MOST_OTHERS and others * 10 <= len(paths):
            # A vendor drop also edits a build or lint file or two: still not authorship.
            return (
                "generated",
                f"touches generated or vendored files in all but {others} of {len(paths)}",
            )
    if bulk := _bulk(rules, additions, max(files or 0, len(paths))):
        return "generated", bulk
    if deletions >= rules.min_deleted and deletions >= rules.deletion_ratio * max(additions, 1):
        return "deletion", f"deletes {deletions} lines and adds {additions}"
    if len(paths) >= rules.nfc_min_files and rules.nfc_title.search(subject):
        return "nfc_sweep", f"an NFC change across {len(paths)} files"
    return None


def _bulk(rules: _Rules, additions: int, files: int) -> str | None:
    """Why a change is data or generated code by its size alone (see `bulk:`), or None."""
    if files and additions >= rules.bulk_added and additions >= rules.bulk_per_file * files:
        per_file = additions // files
        return f"adds {per_file:,} lines per file on average: data or generated code"
    return None


def why(nature: str, title: str | None, additions: int, deletions: int, files: int) -> str:
    """The rule behind a stored nature, for an answer that says why a change counted little."""
    found = explain(title, (), additions, deletions)
    if found is not None and found[0] == nature:
        return found[1]
    if nature == "generated" and (bulk := _bulk(_rules(), additions, files)):
        return bulk
    if nature == "generated":
        return "touches (almost) only generated or vendored files"
    if nature == "nfc_sweep":
        return f"an NFC change across {files} files"
    if nature == "reverted":
        return "a later change reverted it"
    return nature


def classify(
    title: str | None,
    paths: Sequence[str],
    additions: int,
    deletions: int,
    files: int | None = None,
) -> str | None:
    """The nature of a change (see `explain`), as stored on the contribution."""
    found = explain(title, paths, additions, deletions, files)
    return found[0] if found else None
