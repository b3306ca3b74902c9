"""The words a contribution is found by when a query names no known topic.

From paths: every folder and file name, also split at `_`, `-`, `.` and camelCase
(`OneShotAnalysis.cpp` gives `oneshotanalysis`, `one`, `shot`, `analysis`); from labels: the
label and its parts (`mlir:bufferization`); from titles: words of three letters or more, less
the filler every title has. Queries fold their words the same way, so `OneShot`, `one-shot`
and `oneshot` meet. Folder and file names of two letters count (CIRCT's `HW`, `SV`, `DC`);
title words need three.

Words are also indexed by their stem (`quantization`, `quantize`, `quantized` -> `quant`), and
a query word matches a contribution's word or its stem (`stems_of`), so singular, plural and
the common English endings meet.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import PurePosixPath

_SPLIT = re.compile(r"[^0-9A-Za-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_STOP_WORDS = (
    "the and for with from into when that this add adds added fix fixes fixed use uses "
    "make remove support update updates nfc nfci revert reland test tests lib include src "
    "cpp hpp txt"
)
_STOP = frozenset(_STOP_WORDS.split(" "))
# In a path only the layout's own words say nothing (every change has them); a folder named
# `Support` or `cpp` is an area (`llvm/lib/Support`), though titles are full of the word.
_LAYOUT = frozenset(("lib", "include", "src", "test", "tests"))
MAX_TERMS = 64
MAX_STRUCTURE = 8


def _words(text: str) -> Iterable[str]:
    for chunk in _SPLIT.split(text):
        if not chunk:
            continue
        yield chunk.lower()
        parts = _CAMEL.split(chunk)
        if len(parts) > 1:
            yield from (p.lower() for p in parts)


def split_words(text: str) -> list[str]:
    """A name's words at `_`, `-`, `.` and camelCase, lower-cased (`SPIRVTo_x`: spirv, to, x):
    as the index splits a path's names, so a glob's piece of a name can be read as its words."""
    return [p.lower() for chunk in _SPLIT.split(text) if chunk for p in _CAMEL.split(chunk)]


def _keep(word: str, shortest: int = 3) -> bool:
    return len(word) >= shortest and not word.isdigit() and word not in _STOP


def fold_word(text: str) -> str:
    """Text as one lower-case word (`meta_schedule`, `Meta-Schedule` -> `metaschedule`): how
    the index, queries, owner-file questions and project names are compared."""
    return "".join(_SPLIT.split(text)).lower()


def _keep_in_path(word: str) -> bool:
    return len(word) >= 2 and not word.isdigit() and word not in _LAYOUT


def folder_term(word: str) -> str | None:
    """A query word as a folder's name, though titles are too full of it to search
    (`support` for `lib/Support`): only paths index it."""
    joined = fold_word(word)
    return joined if _keep_in_path(joined) else None


# Longest first; a stem keeps at least four letters ("tiling" stays, "passes" -> "pass").
_SUFFIXES = (
    "izations",
    "isations",
    "ization",
    "isation",
    "ations",
    "ation",
    "izing",
    "ising",
    "izers",
    "isers",
    "izer",
    "iser",
    "ized",
    "ised",
    "izes",
    "ises",
    "ize",
    "ise",
    "ings",
    "ing",
    "ers",
    "er",
    "ed",
    "es",
    "s",
)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A word without its common English ending, for matching `quantize` with `quantization`."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=100_000)
def root(word: str) -> str:
    """A word stemmed until nothing more comes off (`processes` -> `process` -> `proces`): the
    one form the index stores for every word that shares it."""
    while (shorter := stem(word)) != word:
        word = shorter
    return word


def stems_of(word: str) -> tuple[str, ...]:
    """The index terms a query word matches: its root, which is what the index stores, and
    the word itself and its stem, which rows indexed before roots were stored hold."""
    return tuple(dict.fromkeys((word, stem(word), root(word))))


# Folders whose child names a piece of compiler structure wherever it lives: an MLIR dialect is
# any `…/Dialect/<Name>/…` (torch-mlir's `lib/Dialect/Torch`, CIRCT's `lib/Dialect/FIRRTL`).
STRUCTURE = {"dialect": "dialect", "dialects": "dialect"}


def structural_term(kind: str, name: str) -> str:
    """The index term for a named piece of structure: `dialect:torch`."""
    return f"{kind}:{name}"


def is_structural(word: str) -> bool:
    """Whether a word is a structure term csf built (`dialect:torch`), not typed text."""
    kind, colon, name = word.partition(":")
    return bool(colon) and kind in STRUCTURE.values() and name.isalnum() and name.islower()


@lru_cache(maxsize=200_000)
def _path_terms(path: str) -> frozenset[str]:
    """A path's words; paths recur across a history, so each is split once.

    Besides its words, a path inside `Dialect/<Name>/` carries `dialect:<name>`, so "torch
    dialect" means the Torch dialect's code, not every path of torch-mlir that says "torch".
    """
    pure = PurePosixPath(path)
    parts = (*pure.parent.parts, pure.stem)
    words = {w for part in parts for w in _folder_words(part)}
    folders = pure.parent.parts
    for index, folder in enumerate(folders[:-1]):
        kind = STRUCTURE.get(folder.lower())
        name = fold_word(folders[index + 1])
        if kind and _keep(name, 2):
            words.add(structural_term(kind, name))
    return frozenset(words)


@lru_cache(maxsize=10_000)
def _label_terms(label: str) -> frozenset[str]:
    return frozenset({label.lower(), *(w for w in _words(label) if _keep(w))})


def terms_of(paths: Iterable[str], labels: Iterable[str], title: str | None) -> set[str]:
    found: set[str] = set()
    paths = list(paths)
    for path in paths:
        found |= _path_terms(path)
    named: set[str] = set()  # what the change says it is about
    for label in labels:
        named |= _label_terms(label)
    if title:
        words = {w for w in _words(title) if _keep(w)}
        named.update(words | ({stem(w) for w in words} - _STOP))
    found |= named
    # Structure is counted apart, so a change across many dialects keeps its plain words.
    structure = {w for w in found if ":" in w}
    found -= structure
    if len(found) > MAX_TERMS:  # a large change: keep the words a person would search for
        found = set(sorted(found, key=_rank_in(paths, named))[:MAX_TERMS])
    if len(structure) > MAX_STRUCTURE:  # a sweep across every dialect is about none of them
        structure = set()
    # Stored once per root: `transforms`, `transform` and `transformed` are one row.
    return {_indexed(w) for w in found} | structure


@lru_cache(maxsize=200_000)
def _indexed(word: str) -> str:
    """The row a word is stored as: its root, but a word whose stem titles are too full of to
    index (`supported` -> `support`) as written, as the question spells it."""
    return word if {stem(word), root(word)} & _STOP else root(word)


def _rank_in(paths: list[str], named: set[str]) -> Callable[[str], tuple[bool, bool, int, str]]:
    """Order a large change's words: its title's and labels' first, then those of the folders
    holding a quarter of its files or more (`benchmarks/LinalgBench/ops/*.mlir` is about
    LinalgBench), then the longest. Words shared by a sweep's many files are not preferred
    beyond that: a sweep counted for every common word it touches ranked its author first for
    areas they only passed through."""
    folders = Counter(parent for path in paths for parent in _parents(path))
    held = {folder for folder, n in folders.items() if folder != "." and 4 * n >= len(paths)}
    main = {word for folder in held for word in _folder_words(PurePosixPath(folder).name)}
    return lambda w: (w not in named, w not in main, -len(w), w)


@lru_cache(maxsize=200_000)
def _parents(path: str) -> frozenset[str]:
    """A path's folders, each as a path (`.` for the root); paths recur across a history."""
    return frozenset(str(p) for p in PurePosixPath(path).parents)


@lru_cache(maxsize=10_000)
def _folder_words(part: str) -> frozenset[str]:
    """One folder's (or file's) name's words, and their stems."""
    words = {w for w in _words(part) if _keep_in_path(w)}
    # The whole name as one word too: `meta_schedule` is asked for as `metaschedule`.
    if _keep_in_path(joined := fold_word(part)):
        words.add(joined)
    return frozenset(words | {stem(w) for w in words})


def query_terms(words: Iterable[str]) -> list[str]:
    """A query's free words, folded as `terms_of` folds the indexed text."""
    out: list[str] = []
    for word in words:
        joined = fold_word(word)
        if joined and _keep(joined, 2):
            out.append(joined)
    return list(dict.fromkeys(out))
