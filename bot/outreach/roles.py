"""Role profiles as data, and role fit: how a person's public work speaks to each part of a role.

A role (`Staff Compiler Engineer`) is a weighted list of dimensions (compiler fundamentals,
testing, leadership...); a dimension is rated by signals measured on the person's own work (see
the head of bot/outreach/roles.yml for the measures). Each rating carries the finding and the
contributions behind it, or says "no public evidence": a rating is never made up, and a missing
signal is reported as missing, not as a weakness.

Teams add roles and dimensions with a file named by CSF_ROLES; it is validated like the shipped
one, with every mistake reported as file:line.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session
from yaml.nodes import Node

from bot.datafile import MOST_DAYS, Reader, compose, line_of, read_text
from bot.errors import CsfError, DataFileError
from bot.outreach.work import Work, load_work, pr_authors, rfc_threads
from bot.reports.profile import language_of
from bot.store.models import Person
from bot.taxonomy.model import LazyPattern, compile_globs, compile_keywords, normalise_phrase
from bot.taxonomy.structure import KINDS as STRUCTURE_KINDS
from bot.taxonomy.structure import kinds_of

SHIPPED = "bot/outreach/roles.yml"
EXAMPLES = 3  # contributions shown per dimension

MEASURES = {
    "share_touching": {"paths"},
    "changes_matching": {"paths", "labels", "keywords", "topics", "structure", "kinds"},
    "languages": {"languages"},
    "reviews_to_authors": set(),
    "design_threads": set(),
}
_SHARE_MEASURES = {"share_touching", "languages"}
_KINDS = {"authored", "review", "rfc", "issue", "comment"}
_SIGNAL_KEYS = {"measure", "what", "strong", "moderate", "min_changes"}
_DIMENSION_KEYS = {"name", "asks", "signals"}
_ROLE_KEYS = {"name", "aliases", "pitch", "dimensions"}
_FILE_KEYS = {"version", "window_days", "default_role", "dimensions", "roles"}


class Rating(StrEnum):
    STRONG = "strong"
    MODERATE = "moderate"
    LIMITED = "limited"
    NONE = "none"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def value_of(self) -> float:
        return _VALUES[self]


_LABELS = {
    Rating.STRONG: "strong evidence",
    Rating.MODERATE: "some evidence",
    Rating.LIMITED: "a little evidence",
    Rating.NONE: "no public evidence",
}
_VALUES = {Rating.STRONG: 1.0, Rating.MODERATE: 0.6, Rating.LIMITED: 0.25, Rating.NONE: 0.0}
_ORDER = [Rating.NONE, Rating.LIMITED, Rating.MODERATE, Rating.STRONG]


# -- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    measure: str
    what: str
    strong: float
    moderate: float
    line: int
    paths: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    structure: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ("authored",)
    min_changes: int = 0
    _path_re: LazyPattern | None = field(default=None, repr=False, compare=False)
    _keyword_re: LazyPattern | None = field(default=None, repr=False, compare=False)

    def touches(self, work: Work) -> bool:
        pattern = self._path_re
        return pattern is not None and any(pattern.match(path) for path in work.paths)

    def matches(self, work: Work) -> bool:
        if self.touches(work):
            return True
        if self.labels and any(
            fnmatch.fnmatchcase(label.casefold(), wanted.casefold())
            for label in work.labels
            for wanted in self.labels
        ):
            return True
        if self.topics and any(
            fnmatch.fnmatchcase(tag, wanted) for tag in work.topics for wanted in self.topics
        ):
            return True
        if self.structure and not kinds_of(work.paths).isdisjoint(self.structure):
            return True
        return bool(self._keyword_re and work.title and self._keyword_re.search(work.title))

    def counts(self, work: Work) -> bool:
        """Whether this kind of contribution is one the signal counts."""
        if work.authored:
            return "authored" in self.kinds
        return work.kind in self.kinds


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    asks: str
    signals: tuple[Signal, ...]
    source: str
    line: int


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    aliases: tuple[str, ...]
    pitch: str  # what the person would do, finishing "someone who ..."
    dimensions: tuple[tuple[Dimension, float], ...]  # (dimension, weight)
    window_days: int  # how far back role fit looks
    source: str
    line: int

    @property
    def article(self) -> str:
        """`a` or `an` before the role's name ("an ML Compiler Engineer")."""
        return article(self.name)


@dataclass(frozen=True)
class RoleBook:
    """Every role a deployment knows: the shipped ones and a team's own."""

    roles: tuple[Role, ...]
    default_role: str
    window_days: int
    sources: tuple[str, ...]

    def get(self, name: str | None = None) -> Role:
        """A role by key, name or alias (`staff`, `Staff Compiler Engineer`); None: default."""
        wanted = normalise_phrase(name) if name else normalise_phrase(self.default_role)
        for role in self.roles:
            if wanted in self._names(role):
                return role
        # Words that fit one role only ("gpu", "ml compiler") name it too.
        words = set(wanted.split())
        fits = [
            role for role in self.roles if any(words <= set(n.split()) for n in self._names(role))
        ]
        if len(fits) == 1:
            return fits[0]
        known = ", ".join(f"{r.key} ({r.name})" for r in self.roles)
        raise CsfError(f"unknown role {name!r}: choose one of {known}")

    @staticmethod
    def _names(role: Role) -> set[str]:
        return {normalise_phrase(n) for n in (role.key, role.name, *role.aliases)}


def article(name: str) -> str:
    first = name[:1]
    if first.upper() in "AEIOU":
        return "an"
    # Initialisms read letter by letter: "an ML ...", "an SRE", "an LLVM ..."
    if len(name) > 1 and name[1].isupper() and first in "FHLMNRSX":
        return "an"
    return "a"


# -- reading the files -------------------------------------------------------------------------


@dataclass
class _RoleSpec:
    key: str
    name: str
    aliases: tuple[str, ...]
    pitch: str
    dimensions: list[tuple[str, float, Node]]
    source: str
    line: int
    node: Node


@dataclass
class _Book:
    dimensions: dict[str, Dimension] = field(default_factory=dict)
    roles: dict[str, _RoleSpec] = field(default_factory=dict)
    default_role: tuple[str, str, int] | None = None  # (key, source, line)
    window_days: int = 730
    sources: list[str] = field(default_factory=list)


class _RoleReader(Reader):
    def read(self, root: Node, book: _Book) -> None:
        top = self.settings(root, "the file", _FILE_KEYS)
        if "version" in top and self.number(top["version"], "version") != 1:
            raise self.fail(top["version"], "version must be 1")
        if "window_days" in top:
            book.window_days = int(
                self.number(top["window_days"], "window_days", low=30, high=MOST_DAYS)
            )
        if "default_role" in top:
            key = self.text(top["default_role"], "default_role")
            book.default_role = (key, self.source, line_of(top["default_role"]))
        if "dimensions" in top:
            for key, key_node, node in self.items(top["dimensions"], "dimensions"):
                book.dimensions[key] = self.dimension(key, key_node, node)
        if "roles" in top:
            for key, key_node, node in self.items(top["roles"], "roles"):
                book.roles[key] = self.role(key, key_node, node)
        if "dimensions" not in top and "roles" not in top:
            raise self.fail(root, "the file defines no 'dimensions:' and no 'roles:'")
        book.sources.append(self.source)

    def dimension(self, key: str, key_node: Node, node: Node) -> Dimension:
        where = f"dimension {key!r}"
        self.key(key, key_node, where)
        found = self.settings(node, where, _DIMENSION_KEYS, ("name", "asks", "signals"))
        signals = tuple(
            self.signal(item, f"{where} signal {i + 1}")
            for i, item in enumerate(self.sequence(found["signals"], f"{where} signals"))
        )
        return Dimension(
            key=key,
            name=self.text(found["name"], f"{where} name"),
            asks=self.text(found["asks"], f"{where} asks"),
            signals=signals,
            source=self.source,
            line=line_of(key_node),
        )

    def signal(self, node: Node, where: str) -> Signal:
        raw = {key: value for key, _, value in self.items(node, where)}
        if "measure" not in raw:
            raise self.fail(node, f"{where} needs 'measure:' (one of {', '.join(MEASURES)})")
        measure = self.text(raw["measure"], f"{where} measure")
        if measure not in MEASURES:
            raise self.fail(
                raw["measure"],
                f"{where}: unknown measure {measure!r} (known: {', '.join(MEASURES)})",
            )
        where = f"{where} ({measure})"
        found = self.settings(
            node, where, _SIGNAL_KEYS | MEASURES[measure], ("what", "strong", "moderate")
        )
        share = measure in _SHARE_MEASURES
        high = 1.0 if share else None
        strong = self.number(found["strong"], f"{where} strong", high=high)
        moderate = self.number(found["moderate"], f"{where} moderate", high=high)
        if not 0 < moderate <= strong:
            raise self.fail(found["moderate"], f"{where}: needs 0 < moderate <= strong")
        paths = self.globs(found["paths"], f"{where} paths") if "paths" in found else ()
        keywords = self.texts(found["keywords"], f"{where} keywords") if "keywords" in found else ()
        labels = self.texts(found["labels"], f"{where} labels") if "labels" in found else ()
        topics = self.texts(found["topics"], f"{where} topics") if "topics" in found else ()
        structure = (
            self.texts(found["structure"], f"{where} structure") if "structure" in found else ()
        )
        for kind in structure:
            if kind not in STRUCTURE_KINDS:
                raise self.fail(
                    found["structure"],
                    f"{where}: unknown structure {kind!r} (known: {', '.join(STRUCTURE_KINDS)})",
                )
        languages = (
            self.texts(found["languages"], f"{where} languages") if "languages" in found else ()
        )
        kinds: tuple[str, ...] = ("authored",)
        if "kinds" in found:
            kinds = self.texts(found["kinds"], f"{where} kinds")
            for kind in kinds:
                if kind not in _KINDS:
                    raise self.fail(
                        found["kinds"],
                        f"{where}: unknown kind {kind!r} (known: {', '.join(sorted(_KINDS))})",
                    )
        if measure == "share_touching" and not paths:
            raise self.fail(node, f"{where} needs 'paths:'")
        if measure == "changes_matching" and not (
            paths or labels or keywords or topics or structure
        ):
            raise self.fail(
                node,
                f"{where} matches nothing: give it paths, labels, keywords, topics or structure",
            )
        if measure == "languages" and not languages:
            raise self.fail(node, f"{where} needs 'languages:'")
        min_changes = 0
        if "min_changes" in found:
            if not share:
                raise self.fail(found["min_changes"], f"{where}: min_changes is for share measures")
            min_changes = int(self.number(found["min_changes"], f"{where} min_changes"))
        return Signal(
            measure=measure,
            what=self.text(found["what"], f"{where} what"),
            strong=strong,
            moderate=moderate,
            line=line_of(node),
            paths=paths,
            labels=labels,
            keywords=keywords,
            topics=topics,
            structure=structure,
            languages=languages,
            kinds=kinds,
            min_changes=min_changes,
            _path_re=compile_globs(paths),
            _keyword_re=compile_keywords(keywords),
        )

    def role(self, key: str, key_node: Node, node: Node) -> _RoleSpec:
        where = f"role {key!r}"
        self.key(key, key_node, where)
        found = self.settings(node, where, _ROLE_KEYS, ("name", "pitch", "dimensions"))
        dimensions = []
        for dim_key, dim_node, weight_node in self.items(
            found["dimensions"], f"{where} dimensions"
        ):
            weight = self.number(weight_node, f"{where}: the weight of {dim_key!r}")
            if weight <= 0:
                raise self.fail(weight_node, f"{where}: the weight of {dim_key!r} must be above 0")
            dimensions.append((dim_key, weight, dim_node))
        if not dimensions:
            raise self.fail(found["dimensions"], f"{where} lists no dimensions")
        return _RoleSpec(
            key=key,
            name=self.text(found["name"], f"{where} name"),
            aliases=self.texts(found["aliases"], f"{where} aliases") if "aliases" in found else (),
            pitch=self.text(found["pitch"], f"{where} pitch"),
            dimensions=dimensions,
            source=self.source,
            line=line_of(key_node),
            node=node,
        )


def _resolve(book: _Book) -> RoleBook:
    """Roles with their dimensions, once every file is read (a team may reuse shipped ones)."""
    roles = []
    names: dict[str, str] = {}
    for spec in book.roles.values():
        dimensions = []
        for key, weight, node in spec.dimensions:
            if key not in book.dimensions:
                known = ", ".join(sorted(book.dimensions))
                raise DataFileError(
                    f"{spec.source}:{line_of(node)}: role {spec.key!r}: unknown dimension "
                    f"{key!r} (known: {known})"
                )
            dimensions.append((book.dimensions[key], weight))
        for name in (spec.key, spec.name, *spec.aliases):
            phrase = normalise_phrase(name)
            if names.get(phrase, spec.key) != spec.key:
                raise DataFileError(
                    f"{spec.source}:{spec.line}: role {spec.key!r}: {name!r} already names "
                    f"role {names[phrase]!r}"
                )
            names[phrase] = spec.key
        roles.append(
            Role(
                spec.key,
                spec.name,
                spec.aliases,
                spec.pitch,
                tuple(dimensions),
                book.window_days,
                spec.source,
                spec.line,
            )
        )
    if not roles:
        raise DataFileError(f"{book.sources[-1]}:1: no roles are defined")
    if book.default_role is None:
        default = roles[0].key
    else:
        default, source, line = book.default_role
        if default not in book.roles:
            raise DataFileError(f"{source}:{line}: default_role {default!r} is not a role here")
    return RoleBook(tuple(roles), default, book.window_days, tuple(book.sources))


def parse_roles(text: str, source: str, base: str | None = None) -> RoleBook:
    """Parse role YAML (on top of the shipped roles' text `base`, when given)."""
    book = _Book()
    if base is not None:
        _RoleReader(SHIPPED).read(compose(base, SHIPPED, shipped=True), book)
    _RoleReader(source).read(compose(text, source), book)
    return _resolve(book)


def _shipped_text() -> str:
    return resources.files("bot.outreach").joinpath("roles.yml").read_text(encoding="utf-8")


@cache
def default_roles() -> RoleBook:
    return parse_roles(_shipped_text(), SHIPPED)


def load_roles(path: str | Path | None = None) -> RoleBook:
    """The shipped roles, with a team's file (CSF_ROLES) added on top."""
    if path is None:
        return default_roles()
    text = read_text(path, "role file", "CSF_ROLES")
    return parse_roles(text, str(path), base=_shipped_text())


# -- role fit ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """A contribution behind a rating."""

    kind: str
    title: str | None
    url: str | None
    when: datetime


@dataclass
class DimensionFit:
    key: str
    name: str
    asks: str
    weight: float
    rating: Rating
    findings: list[str]  # one sentence per signal, counts included, e.g. "9 of 12 ..."
    examples: list[Example]


@dataclass
class RoleFit:
    role: str  # key
    role_name: str
    person_id: int
    login: str | None
    name: str | None
    as_of: datetime
    window_days: int
    dimensions: list[DimensionFit]
    score: float  # 0..1, the weighted mean of the ratings
    summary: str


@dataclass
class _Measured:
    rating: Rating
    finding: str
    examples: list[Work]


def role_fit(
    session: Session,
    person: Person,
    role: Role,
    *,
    as_of: datetime,
    window_days: int | None = None,
) -> RoleFit:
    """Rate `person` on each dimension of `role` from their public work before `as_of`."""
    assert person.id is not None
    window_days = window_days or role.window_days
    start = as_of - timedelta(days=window_days)
    work = load_work(session, person.id, start, as_of)
    context = _Context(session, person.id, work)
    dimensions = []
    for dimension, weight in role.dimensions:
        measured = [_measure(signal, context) for signal in dimension.signals]
        best = max((m.rating for m in measured), key=_ORDER.index)
        examples: list[Work] = []
        for m in sorted(measured, key=lambda m: -_ORDER.index(m.rating)):
            for item in m.examples:
                if item not in examples and len(examples) < EXAMPLES:
                    examples.append(item)
        dimensions.append(
            DimensionFit(
                key=dimension.key,
                name=dimension.name,
                asks=dimension.asks,
                weight=weight,
                rating=best,
                findings=[m.finding for m in measured],
                examples=[Example(w.kind, w.title, w.url, w.when) for w in examples],
            )
        )
    total = sum(d.weight for d in dimensions)
    score = sum(d.weight * d.rating.value_of for d in dimensions) / total if total else 0.0
    return RoleFit(
        role=role.key,
        role_name=role.name,
        person_id=person.id,
        login=person.login,
        name=person.name,
        as_of=as_of,
        window_days=window_days,
        dimensions=dimensions,
        score=round(score, 3),
        summary=_summary(dimensions, score, bool(work), window_days),
    )


class _Context:
    """The person's work and what several measures share (reviewed authors, RFC threads)."""

    def __init__(self, session: Session, person_id: int, work: list[Work]) -> None:
        self.session = session
        self.person_id = person_id
        self.work = work
        self.authored = [w for w in work if w.authored]
        self._threads: dict[tuple[int, int], Work | None] | None = None

    def threads(self) -> dict[tuple[int, int], Work | None]:
        if self._threads is None:
            self._threads = rfc_threads(self.session, self.work)
        return self._threads


def _rate(value: float, signal: Signal, *, capped: bool = False) -> Rating:
    if value <= 0:
        return Rating.NONE
    if capped:
        return Rating.LIMITED
    if value >= signal.strong:
        return Rating.STRONG
    if value >= signal.moderate:
        return Rating.MODERATE
    return Rating.LIMITED


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _measure(signal: Signal, context: _Context) -> _Measured:
    if signal.measure == "share_touching":
        return _share_touching(signal, context)
    if signal.measure == "changes_matching":
        return _changes_matching(signal, context)
    if signal.measure == "languages":
        return _languages(signal, context)
    if signal.measure == "reviews_to_authors":
        return _reviews_to_authors(signal, context)
    return _design_threads(signal, context)


def _share_touching(signal: Signal, context: _Context) -> _Measured:
    changes = context.authored
    if not changes:
        return _Measured(Rating.NONE, "no landed changes in the window to judge by", [])
    touching = [w for w in changes if signal.touches(w)]
    share = len(touching) / len(changes)
    few = len(changes) < signal.min_changes
    verb = "touches" if len(changes) == 1 else "touch"
    finding = (
        f"{len(touching)} of {_plural(len(changes), 'landed change')} {verb} {signal.what} "
        f"({round(100 * share)}%)"
    )
    if few and touching:
        finding += "; too few changes to say more"
    return _Measured(_rate(share, signal, capped=few), finding, touching[:EXAMPLES])


def _changes_matching(signal: Signal, context: _Context) -> _Measured:
    matching = [w for w in context.work if signal.counts(w) and signal.matches(w)]
    if not matching:
        return _Measured(Rating.NONE, f"nothing in {signal.what}", [])
    kinds = Counter("landed change" if w.authored else w.kind for w in matching)
    nouns = {"review": "review", "rfc": "RFC", "issue": "issue", "comment": "comment"}
    parts = [_plural(n, nouns.get(kind, kind)) for kind, n in kinds.most_common()]
    finding = f"{', '.join(parts)} in {signal.what}"
    shown = [w for w in matching if w.authored] or matching
    return _Measured(_rate(len(matching), signal), finding, shown[:EXAMPLES])


def _languages(signal: Signal, context: _Context) -> _Measured:
    files = Counter(
        lang for w in context.authored for path in w.paths if (lang := language_of(path))
    )
    total = sum(files.values())
    if not total:
        return _Measured(Rating.NONE, "no landed changes with known languages to judge by", [])
    wanted = {name.casefold() for name in signal.languages}
    hits = {lang: n for lang, n in files.items() if lang.casefold() in wanted}
    share = sum(hits.values()) / total
    if not hits:
        return _Measured(Rating.NONE, f"none of the files they changed are {signal.what}", [])
    detail = ", ".join(
        f"{lang} {round(100 * n / total)}%" for lang, n in sorted(hits.items(), key=lambda i: -i[1])
    )
    finding = f"{round(100 * share)}% of the files their landed changes touch ({detail})"
    few = len(context.authored) < signal.min_changes
    if few:
        finding += "; too few changes to say more"
    examples = [
        w
        for w in context.authored
        if any((lang := language_of(p)) and lang.casefold() in wanted for p in w.paths)
    ]
    return _Measured(_rate(share, signal, capped=few), finding, examples[:EXAMPLES])


def _reviews_to_authors(signal: Signal, context: _Context) -> _Measured:
    reviews = [w for w in context.work if w.kind == "review"]
    if not reviews:
        return _Measured(Rating.NONE, "no reviews of other people's work in the window", [])
    authors_of = pr_authors(context.session, reviews)
    authors = {
        author
        for w in reviews
        if w.parent_number is not None
        and (author := authors_of.get((w.repo_id, w.parent_number))) is not None
        and author != context.person_id
    }
    # Reviews whose PR csf has not stored (git trailers, PRs outside the window) still count
    # as review work; only the distinct-author count needs the PR's author.
    finding = f"{_plural(len(reviews), 'review')} given"
    if authors:
        finding += f", to {_plural(len(authors), 'distinct author')}"
    rating = _rate(len(authors), signal) if authors else Rating.LIMITED
    return _Measured(rating, finding, reviews[:EXAMPLES])


def _design_threads(signal: Signal, context: _Context) -> _Measured:
    threads = context.threads()
    started = [w for w in threads.values() if w is not None]
    joined = [key for key, w in threads.items() if w is None]
    if not threads:
        return _Measured(Rating.NONE, "no RFC or design threads started or joined", [])
    finding = f"started {_plural(len(started), 'RFC/design thread')}, joined {len(joined)} more"
    examples = list(started)
    if len(examples) < EXAMPLES:
        joined_keys = set(joined)
        seen: set[tuple[int, int]] = set()
        for w in context.work:
            key = (w.repo_id, w.parent_number or -1)
            if w.kind == "comment" and key in joined_keys and key not in seen:
                seen.add(key)
                examples.append(w)
    return _Measured(_rate(len(threads), signal), finding, examples[:EXAMPLES])


def _names(dimensions: list[DimensionFit]) -> str:
    names = [d.name for d in dimensions]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _summary(dimensions: list[DimensionFit], score: float, any_work: bool, days: int) -> str:
    if not any_work:
        return (
            f"No public work in the last {days} days to judge by; absent evidence is not "
            "absent skill."
        )
    if score >= 0.7:
        verdict = "Strong fit on public evidence"
    elif score >= 0.45:
        verdict = "Good partial fit on public evidence"
    elif score >= 0.2:
        verdict = "Partial fit on public evidence"
    else:
        verdict = "Little public evidence for this role"
    parts = [f"{verdict} ({round(100 * score)}%)."]
    by_rating = {r: [d for d in dimensions if d.rating is r] for r in Rating}
    if by_rating[Rating.STRONG]:
        parts.append(f"Strong: {_names(by_rating[Rating.STRONG])}.")
    some = by_rating[Rating.MODERATE] + by_rating[Rating.LIMITED]
    if some:
        parts.append(f"Some: {_names(some)}.")
    if by_rating[Rating.NONE]:
        parts.append(
            f"No public evidence: {_names(by_rating[Rating.NONE])}; ask about it, "
            "much compiler work happens in private repositories."
        )
    return " ".join(parts)


def as_json(fit: RoleFit) -> dict[str, Any]:
    return {
        "role": fit.role,
        "role_name": fit.role_name,
        "as_of": fit.as_of.isoformat(),
        "window_days": fit.window_days,
        "score": fit.score,
        "summary": fit.summary,
        "dimensions": [
            {
                "key": d.key,
                "name": d.name,
                "asks": d.asks,
                "weight": d.weight,
                "rating": d.rating.value,
                "label": d.rating.label,
                "findings": d.findings,
                "examples": [
                    {
                        "kind": e.kind,
                        "title": e.title,
                        "url": e.url,
                        "date": e.when.date().isoformat(),
                    }
                    for e in d.examples
                ],
            }
            for d in fit.dimensions
        ],
    }
