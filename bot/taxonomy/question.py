"""Reading a `who` query: free words to an ecosystem and topics, as a person would mean them.

`mlir bufferization`, `one-shot bufferize`, `triton amd backend`, `tvm meta_schedule`: words are
matched, longest phrase first, against ecosystem names and aliases, then topic keys, names,
aliases and keywords (case, `_`, `-` and spacing folded). Words that name nothing known are
kept as free words. When nothing matches, close names are suggested instead of an empty answer.

A repository's name (`torch-mlir`, `circt`, `llvm/torch-mlir`) scopes the question to that
repository and is read first, so `torch-mlir` is never MLIR plus the word "torch". Different
phrases narrow (AND): `stablehlo quantization` is StableHLO's work on quantisation; the topics one
phrase names (an alias shared by two topics) widen (OR). Topics of another ecosystem than the one
the question is about are not OR-ed in: their words stay free words, matched in paths and titles.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.taxonomy.model import Ecosystem, Taxonomy, Topic, normalise_phrase
from bot.taxonomy.terms import STRUCTURE, is_structural

MAX_PHRASE = 4
# A query names an area in a few words; the rest of a pasted paragraph is ignored. Every free
# word is one more term the ranking intersects (SQLite allows 500 in one statement).
MAX_WORDS = 32
# Words that carry no meaning in a query ("people working on the amd backend").
_FILLER_WORDS = (
    "a an the in on of for and or with who people person engineers engineer experts expert "
    "working work backend dialect dialects compiler compilers to"
)
_FILLER = frozenset(_FILLER_WORDS.split(" "))
SEPARATOR = "\u203a"  # the "›" between parts of a reading: "MLIR › Bufferization"


@dataclass(frozen=True)
class Reading:
    ecosystem: Ecosystem | None
    topics: tuple[Topic, ...]
    free_words: tuple[str, ...]
    suggestions: tuple[str, ...] = field(default=())
    # Repositories the question names (owner/name), and the topics each phrase named: topics of
    # one phrase widen (OR), phrases narrow (AND).
    repos: tuple[str, ...] = field(default=())
    groups: tuple[tuple[str, ...], ...] = field(default=())
    # The words that named the topics, in the question's order: asked as free words instead when
    # the topics hold no work where the question looks (`tensor` in a repository without MLIR's
    # Tensor dialect still means the repository's tensor code).
    topic_words: tuple[str, ...] = field(default=())
    # Pieces of compiler structure the question names ("torch dialect": `dialect`): its free
    # words are looked for as those pieces (`dialect:torch`) where the store has them.
    structure: tuple[str, ...] = field(default=())
    # A misspelt ecosystem read as the one it is one slip away from: ("mlri", "mlir").
    corrected: tuple[tuple[str, str], ...] = field(default=())
    # "torch to linalg" read as the conversion's one word ("torchtolinalg", as MLIR names its
    # `Conversion/TorchToLinalg/`), and the question read word by word, for a store where no
    # work carries that word.
    joined: tuple[str, ...] = field(default=())
    unjoined: Reading | None = field(default=None)
    # The question's words that named the ecosystem ("kernel", or "kernels" read as it), asked
    # as plain words where the store holds none of that ecosystem's work.
    ecosystem_words: tuple[str, ...] = field(default=())

    def as_words(self) -> Reading:
        """The same question with its topics read as plain words, matched in paths and titles."""
        free = tuple(dict.fromkeys((*self.topic_words, *self.free_words)))
        return Reading(
            self.ecosystem, (), free, (), self.repos, (), (), self.structure, self.corrected
        )

    @property
    def tags(self) -> tuple[str, ...]:
        """The topic tags to rank on: the topics, or the ecosystem as a whole.

        A question scoped to a repository needs no ecosystem tag: the repository is the scope.
        """
        if self.topics:
            return tuple(topic.id for topic in self.topics)
        if self.repos:
            return ()
        return (self.ecosystem.key,) if self.ecosystem else ()

    @property
    def tag_groups(self) -> tuple[tuple[str, ...], ...]:
        """The tags as AND-ed groups of OR-ed tags."""
        if self.topics:
            return self.groups or (self.tags,)
        return (self.tags,) if self.tags else ()

    @property
    def label(self) -> str:
        """How the query was read, e.g. "MLIR > Bufferization" (with a proper › sign)."""
        parts = []
        if self.repos:
            parts.append(" + ".join(self.repos))
        if self.ecosystem is not None:
            parts.append(self.ecosystem.name)
        if self.topics:
            if self.ecosystem is None:  # topics named without an ecosystem say whose they are
                parts.append(" + ".join(f"{t.ecosystem.upper()} {t.name}" for t in self.topics))
            else:
                parts.append(" + ".join(topic.name for topic in self.topics))
        if self.free_words:
            parts.append(" ".join(_shown(w) for w in self.free_words))
        return f" {SEPARATOR} ".join(parts) if parts else "nothing known"


def _shown(word: str) -> str:
    """A free word as the heading shows it: `"torch"`, or `"torch" dialect` for structure."""
    if is_structural(word):
        kind, _, name = word.partition(":")
        return f'"{name}" {kind}'
    return f'"{word}"'


def _topic_names(topic: Topic, *, in_ecosystem: bool = False) -> list[str]:
    """What names a topic in a question: its key, name and aliases, and its keyword phrases.

    A one-word keyword (`coalesce`, `ptx`) tags titles, but as a question it asks about
    something narrower than the topic: it stays a free word, matched in paths and titles, so
    `who coalesce` finds the people of the coalescing pass, not of every optimizer pass.
    """
    phrases = [k for k in topic.keywords if len(normalise_phrase(k).split()) > 1]
    names = [topic.id, topic.key, topic.name, *topic.aliases, *phrases]
    if not in_ecosystem:
        return names
    # "mlir core" is listed as an alias, but "mlir" is read as the ecosystem first: after it,
    # the rest of such a name names the topic too (alone, "core" stays a word).
    prefix = topic.ecosystem + " "
    names += [
        rest
        for name in (topic.name, *topic.aliases)
        if (rest := normalise_phrase(name).removeprefix(prefix)) != normalise_phrase(name)
    ]
    return names


Span = tuple[int, int, str]  # (start, size, phrase) of a run of a question's words


def _name_index(pool: list[Topic], in_ecosystem: bool) -> dict[str, list[Topic]]:
    """Every normalised way of naming the pool's topics -> the topics it names."""
    names: dict[str, list[Topic]] = {}
    for topic in pool:
        for name in _topic_names(topic, in_ecosystem=in_ecosystem):
            names.setdefault(normalise_phrase(name), []).append(topic)
            # "one-shot bufferize" and "bufferize" both name it; "meta_schedule" = "metaschedule".
            names.setdefault(normalise_phrase(name).replace(" ", ""), []).append(topic)
    return names


def _repo_names(repos: Sequence[tuple[str, str | None]]) -> dict[str, tuple[str, str | None]]:
    """Normalised ways of naming each repository: `owner/name`, `name`, `name` unspaced."""
    names: dict[str, tuple[str, str | None]] = {}
    for full_name, ecosystem in repos:
        if full_name.lower().startswith("discourse:"):
            continue  # a forum category (`discourse:HOST/c/SLUG/ID`): its id names nothing
        short = full_name.rsplit("/", 1)[-1]
        for form in (full_name, short):
            names.setdefault(normalise_phrase(form), (full_name, ecosystem))
        names.setdefault(normalise_phrase(short).replace(" ", ""), (full_name, ecosystem))
    return names


def _spans(tokens: list[str], used: list[bool], longest: int = MAX_PHRASE) -> list[Span]:
    """Every run of words not yet read, longest first, as (start, size, phrase)."""
    return [
        (start, size, " ".join(tokens[start : start + size]))
        for size in range(min(longest, len(tokens)), 0, -1)
        for start in range(len(tokens) - size + 1)
        if not any(used[start : start + size])
    ]


def _names_topic(taxonomy: Taxonomy, ecosystem: Ecosystem, spans: list[Span]) -> bool:
    """Whether one of these runs of words names one of the ecosystem's topics."""
    names = taxonomy.memo(
        ("topic names", ecosystem.key), lambda: _name_index(list(ecosystem.topics), True)
    )
    return any(names.get(p) or names.get(p.replace(" ", "")) for _, _, p in spans)


def _other_holder(
    taxonomy: Taxonomy, own: Ecosystem, repos: Sequence[str], spans: list[Span]
) -> Ecosystem | None:
    """The one other ecosystem holding one of `repos` whose topics the words name, when they
    name none of `own`'s: "llvm-project bufferization" is MLIR's, in llvm/llvm-project."""
    if _names_topic(taxonomy, own, spans):
        return None
    holders = [
        eco
        for eco in taxonomy.ecosystems
        if eco is not own
        and any(repo in eco.repos for repo in repos)
        and _names_topic(taxonomy, eco, spans)
    ]
    return holders[0] if len(holders) == 1 else None


def _as_repository(
    taxonomy: Taxonomy, tokens: list[str], start: int, size: int, phrase: str, repo: str
) -> bool:
    """Whether `phrase`, naming both the repository `repo` and an ecosystem, names the
    repository: when the other words name another ecosystem that holds it too, or only that
    one's topics (MLIR holds llvm/llvm-project; no ecosystem but Triton holds
    triton-lang/triton, so "triton kernel" stays Triton's word)."""
    own = taxonomy.ecosystem(phrase)
    if own is None:
        return True
    used = [start <= at < start + size for at in range(len(tokens))]
    spans = _spans(tokens, used)
    for _, _, other_phrase in spans:
        other = taxonomy.ecosystem(other_phrase)
        if other is not None and other != own and repo in other.repos:
            return True
    return _other_holder(taxonomy, own, [repo], spans) is not None


def read_query(
    taxonomy: Taxonomy,
    words: list[str],
    repos: Sequence[tuple[str, str | None]] = (),
    *,
    join: bool = True,
) -> Reading:
    """Resolve a query's words against the taxonomy and the tracked repositories.

    `repos` are the store's repositories as (owner/name, ecosystem tracked under). `A to B` is
    read as the one word `atob` a conversion's folder gives (`join`), with the word-by-word
    reading kept beside it (`Reading.unjoined`) for `who` to fall back on.
    """
    tokens = normalise_phrase(" ".join(words)).split()[:MAX_WORDS]
    joined = _conversions(tokens) if join else []
    if joined:
        unjoined = read_query(taxonomy, words, repos, join=False)
        reading = read_query(taxonomy, joined, repos, join=False)
        made = tuple(t for t in joined if t not in tokens)
        return replace(reading, joined=made, unjoined=unjoined)
    used = [False] * len(tokens)

    def phrases(longest: int = MAX_PHRASE) -> list[Span]:
        return _spans(tokens, used, longest)

    named_repos: list[str] = []
    repo_ecosystems: set[str] = set()
    if repos:
        by_name = _repo_names(repos)
        longest = max((len(name.split()) for name in by_name), default=0)
        for start, size, phrase in phrases(longest):
            if any(used[start : start + size]):
                continue
            hit = by_name.get(phrase) or by_name.get(phrase.replace(" ", ""))
            # A repository named as an ecosystem ("llvm-project" is LLVM's alias) is the
            # repository when the question names another ecosystem it belongs to, or only that
            # one's topics: "llvm-project (mlir) bufferization" asks about MLIR's in it.
            if hit is not None and _as_repository(taxonomy, tokens, start, size, phrase, hit[0]):
                named_repos.append(hit[0])
                if hit[1]:
                    repo_ecosystems.add(hit[1])
                used[start : start + size] = [True] * size

    # A topic named with another ecosystem's name in it ("llvm dialect": MLIR's LLVM dialect,
    # "matmul kernel" Triton's) is that topic, not the other ecosystem and a loose word.
    # "torch-mlir", "torch_mlir": a project's name
    compounds = {normalise_phrase(w) for w in words if "-" in w or "_" in w}
    crossing = _crossing_topics(taxonomy, tokens, used, phrases(), repo_ecosystems, compounds)
    ecosystem: Ecosystem | None = None
    ecosystem_words: tuple[str, ...] = ()
    for start, size, phrase in phrases():
        eco = taxonomy.ecosystem(phrase)
        if eco is not None:
            ecosystem = eco
            ecosystem_words = tuple(tokens[start : start + size])
            used[start : start + size] = [True] * size
            break
    corrected: list[tuple[str, str]] = []
    if ecosystem is None and not named_repos:
        for index, token in enumerate(tokens):
            eco_key = None if used[index] else _misspelt_ecosystem(taxonomy, token)
            if eco_key is not None:
                ecosystem = taxonomy.ecosystem(eco_key)
                ecosystem_words = (token,)
                used[index] = True
                corrected.append((token, eco_key))
                break
    if ecosystem is None and len(repo_ecosystems) == 1:
        ecosystem = taxonomy.ecosystem(next(iter(repo_ecosystems)))
        # A repository more than one ecosystem holds (MLIR and LLVM hold llvm-project) is
        # asked about the other's topic when only that one's names match: "llvm/llvm-project
        # bufferization" is MLIR's Bufferization there.
        if ecosystem is not None:
            ecosystem = _other_holder(taxonomy, ecosystem, named_repos, phrases()) or ecosystem
    if ecosystem is None and len({t.ecosystem for _, group in crossing for t in group}) == 1:
        ecosystem = taxonomy.ecosystem(crossing[0][1][0].ecosystem)

    pool = list(ecosystem.topics) if ecosystem else list(taxonomy.topics())
    key = ecosystem.key if ecosystem else None
    names = taxonomy.memo(("topic names", key), lambda: _name_index(pool, key is not None))
    topics: list[Topic] = []
    groups: list[tuple[str, ...]] = []
    named_by: list[int] = []  # positions of the words that named topics
    for (start, size), crossed in crossing:
        topics.extend(t for t in crossed if t not in topics)
        groups.append(tuple(dict.fromkeys(t.id for t in crossed)))
        named_by.extend(range(start, start + size))
    for start, size, phrase in phrases():
        if any(used[start : start + size]):
            continue
        matched = names.get(phrase) or names.get(phrase.replace(" ", ""))
        # In openxla/shardy, the Shardy topic is everything: "shardy mpmd" asks about MPMD.
        matched = [t for t in matched or [] if not _namesake(t, named_repos)]
        if not matched:
            continue
        if ecosystem is None and topics:
            # The question is about the first topic's ecosystem: another ecosystem's topic
            # would widen it; its words stay free words instead.
            matched = [t for t in matched if t.ecosystem == topics[0].ecosystem]
            if not matched:
                continue
        group = []
        for topic in matched:
            if topic not in topics:
                topics.append(topic)
            group.append(topic.id)
        groups.append(tuple(dict.fromkeys(group)))
        used[start : start + size] = [True] * size
        named_by.extend(range(start, start + size))
    left = [t for t, u in zip(tokens, used, strict=True) if not u]
    structure = tuple(dict.fromkeys(STRUCTURE[t] for t in left if t in STRUCTURE))
    free = tuple(t for t in left if t not in _FILLER)
    if not free and not topics and left:
        free = tuple(left)  # "backend" alone names an area; it is filler only beside one
    if ecosystem is None and topics and len({t.ecosystem for t in topics}) == 1:
        ecosystem = taxonomy.ecosystem(topics[0].ecosystem)  # "one-shot bufferize": MLIR's
    suggestions: tuple[str, ...] = ()
    if not topics and free and not named_repos:
        vocabulary = {normalise_phrase(n): t.id for t in pool for n in _topic_names(t)}
        close = difflib.get_close_matches(" ".join(free), list(vocabulary), n=5, cutoff=0.6)
        close += [m for w in free for m in difflib.get_close_matches(w, list(vocabulary), n=3)]
        suggestions = tuple(dict.fromkeys(vocabulary[c] for c in close))
    return Reading(
        ecosystem,
        tuple(topics),
        free,
        suggestions,
        tuple(dict.fromkeys(named_repos)),
        tuple(groups) if len(groups) > 1 else (),
        _meaningful([tokens[i] for i in sorted(named_by)]),
        structure,
        tuple(corrected),
        ecosystem_words=ecosystem_words,
    )


def _namesake(topic: Topic, repos: Sequence[str]) -> bool:
    """Whether the topic bears a named repository's own name (XLA's Shardy topic and
    openxla/shardy): asked of that repository, it narrows nothing, so its words stay words."""
    own = {_folded(topic.key), _folded(topic.name)}
    return any(_folded(repo.rsplit("/", 1)[-1]) in own for repo in repos)


def _folded(name: str) -> str:
    return normalise_phrase(name).replace(" ", "")


def _crossing_topics(
    taxonomy: Taxonomy,
    tokens: list[str],
    used: list[bool],
    found: list[tuple[int, int, str]],
    repo_ecosystems: set[str],
    compounds: set[str],
) -> list[tuple[tuple[int, int], list[Topic]]]:
    """Topics named by a phrase that holds another ecosystem's name, longest phrase first,
    marked in `used`: ((start, size), topics) each. A named repository's ecosystems bound them
    (`onnx-mlir llvm dialect` is MLIR's; in a PyTorch repository "matmul kernel" is no Triton
    topic), and so does an ecosystem the question names elsewhere (`iree matmul kernel` stays
    IREE's). Where the topic is the named ecosystem's own ("mlir core"), the usual reading gives
    the same, and it is left to it. A hyphenated word (`torch-mlir`, `onnx-mlir`) names a
    project, as it is read without this, even where a topic mentions it.
    """
    names = taxonomy.memo(
        ("topic names", None), lambda: _name_index(list(taxonomy.topics()), False)
    )
    crossing: list[tuple[tuple[int, int], list[Topic]]] = []
    for start, size, phrase in found:
        if size < 2 or any(used[start : start + size]) or taxonomy.ecosystem(phrase):
            continue
        matched = names.get(phrase) or names.get(phrase.replace(" ", ""))
        if not matched or phrase in compounds:
            continue  # most phrases name no topic: the ecosystems around them are not read
        elsewhere = {
            eco.key
            for at, width, other in found
            if (at + width <= start or at >= start + size)
            and not any(used[at : at + width])
            and (eco := taxonomy.ecosystem(other)) is not None
        }
        if bounds := repo_ecosystems | elsewhere:
            matched = [t for t in matched if t.ecosystem in bounds]
        inside = {
            eco.key
            for width in range(1, size)
            for at in range(start, start + size - width + 1)
            if (eco := taxonomy.ecosystem(" ".join(tokens[at : at + width]))) is not None
        }
        if matched and inside and any(t.ecosystem not in inside for t in matched):
            crossing.append(((start, size), list(matched)))
            used[start : start + size] = [True] * size
    return crossing


def _conversions(tokens: list[str]) -> list[str]:
    """The tokens with every `A to B` made one word `atob`; [] when there is none."""
    out: list[str] = []
    index = 0
    found = False
    while index < len(tokens):
        if (
            out
            and tokens[index] == "to"
            and index + 1 < len(tokens)
            and out[-1].isalnum()
            and tokens[index + 1].isalnum()
            and out[-1] not in _FILLER
            and tokens[index + 1] not in _FILLER
        ):
            out[-1] = f"{out[-1]}to{tokens[index + 1]}"
            index += 2
            found = True
            continue
        out.append(tokens[index])
        index += 1
    return out if found else []


def _misspelt_ecosystem(taxonomy: Taxonomy, token: str) -> str | None:
    """The ecosystem a word of four letters or more is one slip from (`mlri`, `trition`,
    `lvm`-style typos of `llvm`): one letter added, dropped, changed or two swapped."""
    if len(token) < 4 or not token.isalpha():
        return None
    close = {
        eco.key
        for eco in taxonomy.ecosystems
        for name in (eco.key, *(normalise_phrase(a) for a in eco.aliases))
        if len(name) >= 4 and _one_slip(token, name)
    }
    return next(iter(close)) if len(close) == 1 else None


def _one_slip(typed: str, name: str) -> bool:
    """Whether `typed` is `name` with one letter added, dropped, changed, or two swapped."""
    if typed == name or abs(len(typed) - len(name)) > 1:
        return False
    if len(typed) == len(name):
        diff = [i for i, (a, b) in enumerate(zip(typed, name, strict=True)) if a != b]
        if len(diff) == 1:
            return True
        first = diff[0]
        return (
            len(diff) == 2
            and diff[1] == first + 1
            and typed[first] == name[first + 1]
            and (typed[first + 1] == name[first])
        )
    short, long = sorted((typed, name), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _meaningful(words: list[str]) -> tuple[str, ...]:
    """Words without filler, unless filler is all there is ("backend" alone names an area)."""
    kept = [w for w in words if w not in _FILLER]
    return tuple(kept or words)
