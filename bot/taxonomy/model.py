"""The taxonomy: ecosystems, their repositories and their topics, kept as data in YAML.

A topic (`mlir.bufferization`) is a slice of an ecosystem defined by path globs, PR labels,
keywords and aliases. Teams edit the file, so loading validates it strictly and names the line of
any mistake: a typo that silently empties a topic would quietly wreck every ranking built on it.

Tags: a contribution in a repository of an ecosystem gets the ecosystem's own tag (`mlir`) when
it falls inside the ecosystem's scope, and a topic tag (`mlir.bufferization`) for each topic whose
paths, labels or title keywords it matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.datafile import compose, glob_problem, read_text
from bot.datafile import glob_to_regex as glob_to_regex  # re-exported: topics are globs
from bot.errors import TaxonomyError

PATH_CACHE_SIZE = 200_000
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")

_ECOSYSTEM_KEYS = {
    "name", "aliases", "repos", "paths", "labels", "keywords", "topics", "description",
}  # fmt: skip
_TOPIC_KEYS = {"name", "aliases", "paths", "labels", "keywords", "not_keywords", "description"}


class LazyPattern:
    """A regular expression compiled on its first use.

    The shipped taxonomy holds a few hundred patterns; compiling them all cost every command a
    tenth of a second at start, though a `who` question uses the patterns of one topic or none.
    """

    __slots__ = ("_compiled", "flags", "text")

    def __init__(self, text: str, flags: int = 0) -> None:
        self.text = text
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def _pattern(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.text, self.flags)
        return self._compiled

    def match(self, text: str) -> re.Match[str] | None:
        return self._pattern().match(text)

    def search(self, text: str) -> re.Match[str] | None:
        return self._pattern().search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self._pattern().finditer(text)


def compile_globs(globs: Sequence[str]) -> LazyPattern | None:
    """One pattern for a set of path globs, so matching a path is one regex call."""
    if not globs:
        return None
    return LazyPattern("(?:" + "|".join(glob_to_regex(g) for g in globs) + r")\Z")


def compile_keywords(keywords: Sequence[str]) -> LazyPattern | None:
    """Whole-word keywords, with spaces matching `_`/`-` too ("meta schedule" = meta_schedule)."""
    if not keywords:
        return None
    alternatives = "|".join(re.escape(k).replace(r"\ ", r"[\s_-]*") for k in keywords)
    return LazyPattern(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)


def normalise_phrase(text: str) -> str:
    """Fold case, `_`, `-` and spaces, so `meta_schedule` and `Meta-Schedule` agree."""
    return " ".join(re.sub(r"[_\-\s]+", " ", text.casefold()).split())


@dataclass(frozen=True)
class Topic:
    ecosystem: str
    key: str
    name: str
    description: str
    aliases: tuple[str, ...]
    paths: tuple[str, ...]
    labels: tuple[str, ...]
    keywords: tuple[str, ...]
    line: int
    _path_re: LazyPattern | None = field(repr=False, compare=False)
    _keyword_re: LazyPattern | None = field(repr=False, compare=False)
    not_keywords: tuple[str, ...] = ()
    _not_keyword_re: LazyPattern | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return f"{self.ecosystem}.{self.key}"

    def title_matches(self, title: str | None) -> bool:
        """Whether a title names this topic by one of its keywords, outside the phrases of
        `not_keywords` that hold one and name something else (the kernel's `net/sched:` is the
        network's packet scheduler, not the scheduler that `sched` names in `sched/fair:`)."""
        if not title or self._keyword_re is None:
            return False
        if self._not_keyword_re is None:  # most topics: one search, as every tagging runs it
            return self._keyword_re.search(title) is not None
        others = [m.span() for m in self._not_keyword_re.finditer(title)]
        return any(
            not any(a <= m.start() and m.end() <= b for a, b in others)
            for m in self._keyword_re.finditer(title)
        )


@dataclass(frozen=True)
class Ecosystem:
    key: str
    name: str
    description: str
    aliases: tuple[str, ...]
    repos: tuple[str, ...]
    paths: tuple[str, ...]
    labels: tuple[str, ...]
    keywords: tuple[str, ...]
    topics: tuple[Topic, ...]
    line: int
    _path_re: LazyPattern | None = field(repr=False, compare=False)
    _keyword_re: LazyPattern | None = field(repr=False, compare=False)

    # path -> (in this ecosystem's scope, topics its path globs match): most paths recur, and
    # tagging a large history is dominated by matching them; bounded by clearing.
    _path_cache: dict[str, tuple[bool, frozenset[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # The same for repositories it does not list (`anywhere_tags`), and the globs that serve it.
    _anywhere_cache: dict[str, frozenset[str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _anywhere: list[tuple[str, LazyPattern]] = field(
        default_factory=list, repr=False, compare=False
    )
    # Every topic's keywords in one pattern, built on first use (`titled`).
    _any_keyword: list[LazyPattern | None] = field(default_factory=list, repr=False, compare=False)

    @property
    def scoped(self) -> bool:
        """Whether it claims only part of its repositories (llvm-project holds two)."""
        return self._path_re is not None or bool(self.labels) or self._keyword_re is not None

    def path_tags(self, path: str) -> tuple[bool, frozenset[str]]:
        cached = self._path_cache.get(path)
        if cached is None:
            in_scope = self._path_re is not None and self._path_re.match(path) is not None
            topics = frozenset(
                t.id for t in self.topics if t._path_re is not None and t._path_re.match(path)
            )
            if len(self._path_cache) >= PATH_CACHE_SIZE:
                self._path_cache.clear()
            cached = self._path_cache[path] = (in_scope, topics)
        return cached

    def anywhere_tags(self, path: str) -> frozenset[str]:
        """Topics a path earns in a repository of this ecosystem that the taxonomy does not list.

        The curated globs follow the listed repositories' layout (`mlir/lib/Dialect/Linalg/**`
        in llvm-project). Another repository tracked under the ecosystem (torch-mlir, a fork)
        may not have that layout at its root, so each glob also matches at any depth, as
        `_anywhere_patterns` says.
        """
        cached = self._anywhere_cache.get(path)
        if cached is None:
            if not self._anywhere:
                self._anywhere.extend(_anywhere_patterns(self))
            cached = frozenset(
                topic_id for topic_id, compiled in self._anywhere if compiled.match(path)
            )
            if len(self._anywhere_cache) >= PATH_CACHE_SIZE:
                self._anywhere_cache.clear()
            self._anywhere_cache[path] = cached
        return cached

    def tag_anywhere(
        self, paths: Sequence[str], labels: Sequence[str], title: str | None
    ) -> set[str]:
        """`tag` for a repository tracked under this ecosystem that it does not list: all of
        the repository is in scope, and topic globs hold wherever their folders live."""
        found: set[str] = {self.key}
        for path in paths:
            found.update(self.anywhere_tags(path))
        label_set = {label.casefold() for label in labels}
        if label_set:
            for topic in self.topics:
                if any(label.casefold() in label_set for label in topic.labels):
                    found.add(topic.id)
        found.update(self.titled(title))
        return found

    def titled(self, title: str | None) -> set[str]:
        """The topics whose keywords the title names (`Topic.title_matches`). Most titles name
        none: one search for all the topics' keywords at once tells them, where each topic's
        own search was most of the time spent tagging a history."""
        if not title:
            return set()
        if not self._any_keyword:
            keywords = [keyword for topic in self.topics for keyword in topic.keywords]
            self._any_keyword.append(compile_keywords(keywords))
        if (union := self._any_keyword[0]) is None or union.search(title) is None:
            return set()
        return {topic.id for topic in self.topics if topic.title_matches(title)}

    def tag(self, paths: Sequence[str], labels: Sequence[str], title: str | None) -> set[str]:
        """This ecosystem's tags for one contribution; empty when it is not in scope.

        Without scope settings, everything in its repos is in scope. Otherwise a touched path in
        scope, one of its labels or of its topics' labels, or (for work without paths, like
        issues) a title keyword such as `[mlir]` places it. Title keywords alone never place
        work that touched paths elsewhere in a shared repository.
        """
        in_scope = not self.scoped
        found: set[str] = set()
        for path in paths:
            path_scope, topics = self.path_tags(path)
            in_scope = in_scope or path_scope
            found.update(topics)
        if labels:
            label_set = {label.casefold() for label in labels}
            if any(label.casefold() in label_set for label in self.labels):
                in_scope = True
            for topic in self.topics:
                if any(label.casefold() in label_set for label in topic.labels):
                    found.add(topic.id)
                    in_scope = True
        if not in_scope and not paths and title and self._keyword_re is not None:
            in_scope = self._keyword_re.search(title) is not None
        if not in_scope:
            return set()
        found.update(self.titled(title))
        found.add(self.key)
        return found


T = TypeVar("T")


def _anywhere_patterns(eco: Ecosystem) -> list[tuple[str, LazyPattern]]:
    """Each topic's globs, also matching at any depth in a repository the ecosystem does not
    list: with the ecosystem's own top folder dropped (`mlir/lib/Dialect/Linalg/**` is
    `**/lib/Dialect/Linalg/**` in torch-mlir), or, for an ecosystem that is a whole repository
    (no scope paths: TVM, Triton, XLA, IREE, Linux), as they are under any folder
    (`**/python/src/**`: a fork's own, a vendored copy's, a downstream project's `ffi/`).

    That takes same-named folders nested elsewhere too (by its path, `arch/x86/mm/` is memory
    management in a kernel fork, not in torvalds/linux), a price paid for the layouts it
    finds. Dropping the first folder of such an ecosystem's globs instead matched far too
    much: Triton's `python/src/**` became `**/src/**`, the kernel's `kernel/sched/**` took
    `net/sched/`, and `mm/**`, `rust/**`, `ffi/**` or `shardy/**` became `**/**`, every
    path. Likewise a glob whose rest after the ecosystem's top folder names no folder or file
    of its own keeps that folder (`lld/**/LTO*` is `**/lld/**/LTO*`, not every `LTO*` file).
    """
    wild = set("*?[{")
    tops = {p.split("/", 1)[0] for p in eco.paths if "/" in p and not wild & set(p.split("/")[0])}
    compiled = []
    for topic in eco.topics:
        globs = []
        for glob in topic.paths:
            globs.append(glob)
            first, _, rest = glob.partition("/")
            if not rest or first == "**":
                continue  # a root file (`Makefile`), or a glob at any depth already
            if first in tops:
                named = any(part and not wild & set(part) for part in rest.split("/"))
                globs.append("**/" + (rest if named else glob))
            elif not tops:
                globs.append("**/" + glob)
        pattern = compile_globs(globs)
        if pattern is not None:
            compiled.append((topic.id, pattern))
    return compiled


@dataclass(frozen=True)
class Taxonomy:
    ecosystems: tuple[Ecosystem, ...]
    source: str
    # Views derived from the (immutable) taxonomy that every query would otherwise rebuild:
    # reading a query compared ~1,200 normalised names each time. Races only build twice.
    _memo: dict[object, Any] = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key: object, build: Callable[[], T]) -> T:
        """`build()` once per taxonomy and key; callers must not mutate what it returns."""
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._memo[key] = build()
            return value

    def ecosystem(self, word: str) -> Ecosystem | None:
        """The ecosystem named by its key or an alias (`linux`, `kernel`, `openxla`...)."""
        return self.memo("ecosystem_names", self._ecosystem_names).get(normalise_phrase(word))

    def _ecosystem_names(self) -> dict[str, Ecosystem]:
        names: dict[str, Ecosystem] = {}
        for eco in reversed(self.ecosystems):  # the first ecosystem to claim a name keeps it
            names.update({normalise_phrase(alias): eco for alias in eco.aliases})
            names[eco.key] = eco
        return names

    def topic(self, topic_id: str) -> Topic | None:
        return self.topics_by_id().get(topic_id)

    def topics(self) -> Iterator[Topic]:
        for eco in self.ecosystems:
            yield from eco.topics

    def topics_by_id(self) -> dict[str, Topic]:
        return self.memo("topics_by_id", lambda: {topic.id: topic for topic in self.topics()})

    def ecosystems_for_repo(self, full_name: str) -> list[Ecosystem]:
        return list(self.memo("repo_names", self._repo_names).get(full_name.casefold(), ()))

    def _repo_names(self) -> dict[str, tuple[Ecosystem, ...]]:
        names: dict[str, tuple[Ecosystem, ...]] = {}
        for eco in self.ecosystems:
            for repo in dict.fromkeys(r.casefold() for r in eco.repos):
                names[repo] = (*names.get(repo, ()), eco)
        return names

    def tag(
        self,
        repo: str,
        paths: Sequence[str] = (),
        labels: Sequence[str] = (),
        title: str | None = None,
        *,
        ecosystem: str | None = None,
    ) -> set[str]:
        """Every ecosystem and topic tag a contribution in `repo` earns.

        `ecosystem` adds the ecosystem a team tracked the repo under, for repos the taxonomy
        does not list (a fork, a downstream project).
        """
        ecosystems = self.ecosystems_for_repo(repo)
        tags: set[str] = set()
        for eco in ecosystems:
            tags.update(eco.tag(paths, labels, title))
        extra = self.ecosystem(ecosystem) if ecosystem else None
        if extra is not None and extra not in ecosystems:
            tags.update(extra.tag_anywhere(paths, labels, title))
        return tags


class _Reader:
    """Walks the YAML node tree so every complaint can carry the line it is about."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: Node, message: str) -> TaxonomyError:
        return TaxonomyError(f"{self.source}:{node.start_mark.line + 1}: {message}")

    def mapping(self, node: Node, what: str) -> list[tuple[str, Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a mapping of names to settings")
        seen: dict[str, int] = {}
        items: list[tuple[str, Node, Node]] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, f"{what}: keys must be plain names")
            key = str(key_node.value)
            if key in seen:
                raise self.fail(
                    key_node, f"{what}: {key!r} appears twice (first on line {seen[key]})"
                )
            seen[key] = key_node.start_mark.line + 1
            items.append((key, key_node, value_node))
        return items

    def string(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.fail(node, f"{what} must be text")
        value = str(node.value).strip()
        if not value:
            raise self.fail(node, f"{what} must not be empty")
        return value

    def strings(self, node: Node, what: str) -> list[tuple[str, Node]]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} must be a list, e.g. [a, b]")
        return [(self.string(item, f"an entry of {what}"), item) for item in node.value]

    def check_keys(
        self, items: list[tuple[str, Node, Node]], allowed: set[str], where: str
    ) -> dict[str, Node]:
        found: dict[str, Node] = {}
        for key, key_node, value_node in items:
            if key not in allowed:
                raise self.fail(
                    key_node,
                    f"{where}: unknown setting {key!r} (known: {', '.join(sorted(allowed))})",
                )
            found[key] = value_node
        return found

    def globs(self, node: Node, what: str) -> tuple[str, ...]:
        result = []
        for glob, item in self.strings(node, what):
            problem = glob_problem(glob)
            if problem:
                raise self.fail(item, f"{what}: {problem}")
            result.append(glob)
        return tuple(result)

    def taxonomy(self, root: Node) -> Taxonomy:
        top = self.check_keys(self.mapping(root, "the file"), {"version", "ecosystems"}, "the file")
        if "ecosystems" not in top:
            raise self.fail(root, "the file needs an 'ecosystems:' section")
        ecosystems = []
        for key, key_node, value in self.mapping(top["ecosystems"], "ecosystems"):
            ecosystems.append(self.ecosystem(key, key_node, value))
        if not ecosystems:
            raise self.fail(top["ecosystems"], "no ecosystems are defined")
        self.check_aliases(ecosystems)
        return Taxonomy(tuple(ecosystems), self.source)

    def ecosystem(self, key: str, key_node: Node, node: Node) -> Ecosystem:
        where = f"ecosystem {key!r}"
        if not _ID.match(key):
            raise self.fail(key_node, f"{where}: names are lower-case letters, digits and _")
        found = self.check_keys(self.mapping(node, where), _ECOSYSTEM_KEYS, where)
        for required in ("name", "repos", "topics"):
            if required not in found:
                raise self.fail(node, f"{where} needs '{required}:'")
        repos = []
        for repo, item in self.strings(found["repos"], f"{where} repos"):
            if not REPO_NAME.match(repo):
                raise self.fail(item, f"{where}: {repo!r} is not an owner/name repository")
            repos.append(repo)
        if not repos:
            raise self.fail(found["repos"], f"{where} lists no repositories")
        paths = self.globs(found["paths"], f"{where} paths") if "paths" in found else ()
        topics = [
            self.topic(key, topic_key, topic_key_node, topic_node)
            for topic_key, topic_key_node, topic_node in self.mapping(
                found["topics"], f"{where} topics"
            )
        ]
        if not topics:
            raise self.fail(found["topics"], f"{where} has no topics")
        return Ecosystem(
            key=key,
            name=self.string(found["name"], f"{where} name"),
            description=self.optional_text(found, "description", where),
            aliases=self.list_of(found, "aliases", where),
            repos=tuple(repos),
            paths=paths,
            labels=self.list_of(found, "labels", where),
            keywords=self.list_of(found, "keywords", where),
            topics=tuple(topics),
            line=key_node.start_mark.line + 1,
            _path_re=compile_globs(paths),
            _keyword_re=compile_keywords(self.list_of(found, "keywords", where)),
        )

    def topic(self, ecosystem: str, key: str, key_node: Node, node: Node) -> Topic:
        where = f"topic '{ecosystem}.{key}'"
        if not _ID.match(key):
            raise self.fail(key_node, f"{where}: names are lower-case letters, digits and _")
        found = self.check_keys(self.mapping(node, where), _TOPIC_KEYS, where)
        if "name" not in found:
            raise self.fail(node, f"{where} needs 'name:'")
        paths = self.globs(found["paths"], f"{where} paths") if "paths" in found else ()
        labels = self.list_of(found, "labels", where)
        keywords = self.list_of(found, "keywords", where)
        not_keywords = self.list_of(found, "not_keywords", where)
        if not (paths or labels or keywords):
            raise self.fail(node, f"{where} matches nothing: give it paths, labels or keywords")
        held = compile_keywords(keywords)
        for phrase in not_keywords:
            # A phrase that holds none of the keywords excludes nothing: a typo (`net/shed`)
            # would otherwise do nothing and say nothing.
            if held is None or held.search(phrase) is None:
                raise self.fail(
                    found["not_keywords"],
                    f"{where} not_keywords: {phrase!r} holds none of its keywords",
                )
        return Topic(
            ecosystem=ecosystem,
            key=key,
            name=self.string(found["name"], f"{where} name"),
            description=self.optional_text(found, "description", where),
            aliases=self.list_of(found, "aliases", where),
            paths=paths,
            labels=labels,
            keywords=keywords,
            line=key_node.start_mark.line + 1,
            _path_re=compile_globs(paths),
            _keyword_re=compile_keywords(keywords),
            not_keywords=not_keywords,
            _not_keyword_re=compile_keywords(not_keywords),
        )

    def list_of(self, found: dict[str, Node], key: str, where: str) -> tuple[str, ...]:
        if key not in found:
            return ()
        return tuple(value for value, _ in self.strings(found[key], f"{where} {key}"))

    def optional_text(self, found: dict[str, Node], key: str, where: str) -> str:
        return self.string(found[key], f"{where} {key}") if key in found else ""

    def check_aliases(self, ecosystems: list[Ecosystem]) -> None:
        """An alias must name one thing, or queries would resolve by file order."""
        eco_names: dict[str, str] = {}
        for eco in ecosystems:
            for name in (eco.key, *eco.aliases):
                phrase = normalise_phrase(name)
                if phrase in eco_names and eco_names[phrase] != eco.key:
                    raise TaxonomyError(
                        f"{self.source}:{eco.line}: ecosystem {eco.key!r}: {name!r} already "
                        f"names ecosystem {eco_names[phrase]!r}"
                    )
                eco_names[phrase] = eco.key
            topic_names: dict[str, str] = {}
            for topic in eco.topics:
                for name in (topic.key, topic.name, *topic.aliases):
                    phrase = normalise_phrase(name)
                    owner = topic_names.get(phrase)
                    if owner is not None and owner != topic.id:
                        raise TaxonomyError(
                            f"{self.source}:{topic.line}: topic {topic.id!r}: {name!r} already "
                            f"names topic {owner!r}"
                        )
                    topic_names[phrase] = topic.id


def parse_taxonomy(text: str, source: str = "taxonomy.yml", *, shipped: bool = False) -> Taxonomy:
    """Parse and validate taxonomy YAML; every error names `source` and a line."""
    root = compose(text, source, error=TaxonomyError, shipped=shipped)
    return _Reader(source).taxonomy(root)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load a taxonomy file, or the one shipped with csf."""
    if path is None:
        return default_taxonomy()
    text = read_text(path, "taxonomy file", error=TaxonomyError)
    return parse_taxonomy(text, str(path))


@cache
def default_taxonomy() -> Taxonomy:
    text = resources.files("bot.taxonomy").joinpath("taxonomy.yml").read_text(encoding="utf-8")
    return parse_taxonomy(text, "bot/taxonomy/taxonomy.yml", shipped=True)


def as_dict(taxonomy: Taxonomy) -> dict[str, Any]:
    """A plain view for `--json` output."""
    return {
        eco.key: {
            "name": eco.name,
            "repos": list(eco.repos),
            "topics": {
                topic.id: {
                    "name": topic.name,
                    "aliases": list(topic.aliases),
                    "paths": list(topic.paths),
                    "labels": list(topic.labels),
                    "keywords": list(topic.keywords),
                    "not_keywords": list(topic.not_keywords),
                }
                for topic in eco.topics
            },
        }
        for eco in taxonomy.ecosystems
    }
