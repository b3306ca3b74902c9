"""The words a contribution is found by when a query names no known topic.

From paths: every folder and file name, also split at `_`, `-`, `.` and camelCase
(`OneShotAnalysis.cpp` gives `oneshotanalysis`, `one`, `shot`, `analysis`); from labels: the
label and its parts (`mlir:bufferization`); from titles: words of three letters or more, less
the filler every title has. Queries fold their words the same way, so `OneShot`, `one-shot`
and `oneshot` meet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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
MAX_TERMS = 64


def _words(text: str) -> Iterable[str]:
    for chunk in _SPLIT.split(text):
        if not chunk:
            continue
        yield chunk.lower()
        parts = _CAMEL.split(chunk)
        if len(parts) > 1:
            yield from (p.lower() for p in parts)


def _keep(word: str) -> bool:
    return len(word) >= 3 and not word.isdigit() and word not in _STOP


@lru_cache(maxsize=200_000)
def _path_terms(path: str) -> frozenset[str]:
    """A path's words; paths recur across a history, so each is split once."""
    pure = PurePosixPath(path)
    return frozenset(
        w for part in (*pure.parent.parts, pure.stem) for w in _words(part) if _keep(w)
    )


@lru_cache(maxsize=10_000)
def _label_terms(label: str) -> frozenset[str]:
    return frozenset({label.lower(), *(w for w in _words(label) if _keep(w))})


def terms_of(paths: Iterable[str], labels: Iterable[str], title: str | None) -> set[str]:
    found: set[str] = set()
    for path in paths:
        found |= _path_terms(path)
    for label in labels:
        found |= _label_terms(label)
    if title:
        found.update(w for w in _words(title) if _keep(w))
    if len(found) > MAX_TERMS:  # sweeping changes: keep the words a person would search for
        found = set(sorted(found, key=lambda w: (-len(w), w))[:MAX_TERMS])
    return found


def query_terms(words: Iterable[str]) -> list[str]:
    """A query's free words, folded as `terms_of` folds the indexed text."""
    out: list[str] = []
    for word in words:
        joined = "".join(w for w in _SPLIT.split(word) if w).lower()
        if joined and _keep(joined):
            out.append(joined)
    return list(dict.fromkeys(out))
