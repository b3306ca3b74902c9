"""Reading a `who` query: free words to an ecosystem and topics, as a person would mean them.

`mlir bufferization`, `one-shot bufferize`, `triton amd backend`, `tvm meta_schedule`: words are
matched, longest phrase first, against ecosystem names and aliases, then topic keys, names,
aliases and keywords (case, `_`, `-` and spacing folded). Words that name nothing known are
kept as free words. When nothing matches, close names are suggested instead of an empty answer.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from bot.taxonomy.model import Ecosystem, Taxonomy, Topic, normalise_phrase

MAX_PHRASE = 4
# A query names an area in a few words; the rest of a pasted paragraph is ignored. Every free
# word is one more term the ranking intersects (SQLite allows 500 in one statement).
MAX_WORDS = 32
# Words that carry no meaning in a query ("people working on the amd backend").
_FILLER_WORDS = (
    "a an the in on of for and or with who people person engineers engineer experts expert "
    "working work backend dialect dialects compiler compilers"
)
_FILLER = frozenset(_FILLER_WORDS.split(" "))
SEPARATOR = "\u203a"  # the "›" between parts of a reading: "MLIR › Bufferization"


@dataclass(frozen=True)
class Reading:
    ecosystem: Ecosystem | None
    topics: tuple[Topic, ...]
    free_words: tuple[str, ...]
    suggestions: tuple[str, ...] = field(default=())

    @property
    def tags(self) -> tuple[str, ...]:
        """The topic tags to rank on: the topics, or the ecosystem as a whole."""
        if self.topics:
            return tuple(topic.id for topic in self.topics)
        return (self.ecosystem.key,) if self.ecosystem else ()

    @property
    def label(self) -> str:
        """How the query was read, e.g. "MLIR > Bufferization" (with a proper › sign)."""
        parts = []
        if self.ecosystem is not None:
            parts.append(self.ecosystem.name)
        if self.topics:
            if self.ecosystem is None:  # topics named without an ecosystem say whose they are
                parts.append(" + ".join(f"{t.ecosystem.upper()} {t.name}" for t in self.topics))
            else:
                parts.append(" + ".join(topic.name for topic in self.topics))
        if self.free_words:
            parts.append(" ".join(f'"{w}"' for w in self.free_words))
        return f" {SEPARATOR} ".join(parts) if parts else "nothing known"


def _topic_names(topic: Topic) -> list[str]:
    return [topic.key, topic.name, *topic.aliases, *topic.keywords]


def _name_index(pool: list[Topic]) -> dict[str, list[Topic]]:
    """Every normalised way of naming the pool's topics -> the topics it names."""
    names: dict[str, list[Topic]] = {}
    for topic in pool:
        for name in _topic_names(topic):
            names.setdefault(normalise_phrase(name), []).append(topic)
            # "one-shot bufferize" and "bufferize" both name it; "meta_schedule" = "metaschedule".
            names.setdefault(normalise_phrase(name).replace(" ", ""), []).append(topic)
    return names


def read_query(taxonomy: Taxonomy, words: list[str]) -> Reading:
    """Resolve a query's words against the taxonomy."""
    tokens = normalise_phrase(" ".join(words)).split()[:MAX_WORDS]
    used = [False] * len(tokens)

    def phrases() -> list[tuple[int, int, str]]:
        found = []
        for size in range(min(MAX_PHRASE, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                if not any(used[start : start + size]):
                    found.append((start, size, " ".join(tokens[start : start + size])))
        return found

    ecosystem: Ecosystem | None = None
    for start, size, phrase in phrases():
        eco = taxonomy.ecosystem(phrase)
        if eco is not None:
            ecosystem = eco
            used[start : start + size] = [True] * size
            break

    pool = list(ecosystem.topics) if ecosystem else list(taxonomy.topics())
    key = ecosystem.key if ecosystem else None
    names = taxonomy.memo(("topic names", key), lambda: _name_index(pool))
    topics: list[Topic] = []
    for start, size, phrase in phrases():
        if any(used[start : start + size]):
            continue
        matched = names.get(phrase) or names.get(phrase.replace(" ", ""))
        if matched:
            for topic in matched:
                if topic not in topics:
                    topics.append(topic)
            used[start : start + size] = [True] * size
    free = tuple(t for t, u in zip(tokens, used, strict=True) if not u and t not in _FILLER)
    if ecosystem is None and topics and len({t.ecosystem for t in topics}) == 1:
        ecosystem = taxonomy.ecosystem(topics[0].ecosystem)  # "one-shot bufferize": MLIR's
    suggestions: tuple[str, ...] = ()
    if not topics and free:
        vocabulary = {normalise_phrase(n): t.id for t in pool for n in _topic_names(t)}
        close = difflib.get_close_matches(" ".join(free), list(vocabulary), n=5, cutoff=0.6)
        close += [m for w in free for m in difflib.get_close_matches(w, list(vocabulary), n=3)]
        suggestions = tuple(dict.fromkeys(vocabulary[c] for c in close))
    return Reading(ecosystem, tuple(topics), free, suggestions)
