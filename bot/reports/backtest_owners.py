"""How well `who` reproduces a repository's own owner file: a benchmark a team can trust or tune.

A CODEOWNERS line (`/lib/Dialect/TritonGPU/ @a @b`) or a maintainers heading says who the
project itself holds responsible for an area. For each area csf asks the question a recruiter
would type (the area's distinctive path words, or the heading), scoped to the repository, with
ownership weighted zero so the file cannot answer its own questions, and scores the answer
against the people the file names: hit@5, recall@10, MRR and nDCG@10. Beside it stands the
obvious alternative, a plain count of commits whose paths contain the same words, on the same
window: csf earns its keep only where it beats that count.

Owners are matched to csf's people by their GitHub login (from GitHub data or a noreply
address) or, for history that knows only names, a git name equal to the login or a name whose
usual login forms (`adaquill`, `aquill`, `ada-quill`) give it, a login built on one name's form
(`adaquill-acme`, `aquill7`) or a surname only one name in the history carries (`quillon`),
together with the records `csf people suggest` ties to those (one person committing from two
addresses is two records to csf until someone merges them; the owner is found wherever either
ranks, for csf and the count alike); owners nothing matches are reported and left out of the
scores (neither method could name them).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from bot.people.suggest import name_identities, suggest
from bot.ranking.who import who
from bot.sources.owners import parse_owner_file
from bot.store.identity import (
    DISCOURSE_PREFIX,
    PHABRICATOR_PREFIX,
    handle_key,
    name_key,
    name_words,
)
from bot.store.models import Contribution, Identity, IdentityKind, Person, Repo
from bot.taxonomy.model import Taxonomy
from bot.taxonomy.question import read_query
from bot.taxonomy.terms import fold_word, query_terms, split_words

TOP = 10
# Folder names that say where code lives, not what it is about.
_GENERIC = frozenset(
    [
        "lib",
        "include",
        "src",
        "source",
        "test",
        "tests",
        "unittest",
        "unittests",
        "python",
        "third_party",
        "docs",
        "doc",
        "tools",
        "utils",
        "util",
        "bin",
        "cmake",
        "scripts",
        "github",
        "workflows",
        "test_data",
        "testdata",
        "examples",
    ]
)
# Names that say little on their own: the folder above them is added ("tritongpu transforms").
_WEAK = frozenset(
    ["transforms", "transform", "ir", "analysis", "conversion", "conversions", "dialect", "common"]
)


@dataclass(frozen=True)
class Area:
    """One area of an owner file: what it is called, the question asked, who owns it."""

    label: str
    words: tuple[str, ...]
    owners: tuple[tuple[str, str], ...]  # (identity kind, value)


@dataclass
class AreaScore:
    area: Area
    owners_matched: int
    csf: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    note: str = ""


@dataclass
class OwnerBacktest:
    repo: str
    as_of: datetime
    window_days: int
    areas: list[AreaScore]
    skipped: list[AreaScore]

    def overall(self, which: str) -> dict[str, float]:
        scored = [getattr(a, which) for a in self.areas]
        if not scored:
            return {}
        return {k: round(sum(s[k] for s in scored) / len(scored), 3) for k in scored[0]}


# Headings of the catch-all rest ("Everything not covered by somebody else"): no one area.
_REST = re.compile(r"^(everything|anything|all|other|others|default|catch[- ]?all|misc)\b", re.I)


_WILDCARDS = frozenset("*?[]{}")
_GLOB_RUNS = re.compile(r"[*?]+")
# Words a glob adds nothing with: the folder above says more ("Linalg/*Passes.td"), or it names
# a build file, not an area ("Makefile*").
_PLAIN = frozenset(
    [
        "passes",
        "pass",
        "kernel",
        "kernels",
        "impl",
        "utils",
        "util",
        "lists",
        "make",
        "makefile",
        "cmakelists",
        "inc",
        "def",
    ]
)


def _glob_words(part: str) -> str | tuple[str, ...] | None:
    """What a glob's part names: `Name.*` its name (`Mem2Reg.*`: mem2reg); a piece of a name
    (`*VectorToSCF*`, `SIInstr*`, `checkpointing_ssu*`, `*ToLLVM*`) the words the index
    splits names into (vector to scf; si instr; checkpointing ssu; to llvm), which every file
    whose name holds that piece carries; None when the folder above says more: an extension
    (`*.md`), a plain, layout or two-letter word (`*_utils*`, `*Passes.td`, `*IR*`, `*VE*`),
    a character class or a choice (`[Mm]akefile`, `{a,b}`), several pieces (`*Vector*ToSCF*`).

    Skipping every such part asked the folder above instead: LLVM's `/mlir/**/*VectorToSCF*`
    line was asked as "mlir", every path of the project.
    """
    if set(part) & set("[]{}"):
        return None
    literals = [run for run in _GLOB_RUNS.split(part) if run]
    if len(literals) > 1 and re.fullmatch(r"\.[A-Za-z0-9]+", literals[-1]):
        literals.pop()  # `*Linalg*.td`: a file type, not a second piece of the name
    if len(literals) != 1 or literals[0].startswith("."):
        return None
    literal = literals[0]
    if literal.endswith(".") and part.endswith(literal + "*"):  # `Name.*`: any file type
        name = fold_word(literal)
        return name if len(name) >= 3 and name not in _PLAIN else None
    stem = PurePosixPath(literal).stem if re.search(r"\.[A-Za-z0-9]+$", literal) else literal
    words = query_terms(split_words(stem))
    specific = [w for w in words if len(w) >= 3 and w not in _PLAIN | _GENERIC | _WEAK]
    if not specific:
        return None
    return tuple(w for w in words if w not in _PLAIN | _GENERIC)[:4]


def area_words(pattern: str, area: str | None, repo: str = "") -> tuple[str, ...]:
    """The words a recruiter would type for an owner-file area.

    A heading's words, less the repository's own name (the question is already about it:
    "Tensor Comprehensions language and frontend" in TensorComprehensions asks "language
    frontend"); a heading for the catch-all rest asks nothing.
    """
    if area:
        if _REST.match(area.strip()):
            return ()
        short = repo.rsplit("/", 1)[-1]
        split = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", short)
        own = set(query_terms([short, *re.split(r"[^A-Za-z0-9]+", split)]))
        words = [w for w in query_terms(re.findall(r"[A-Za-z0-9_+-]+", area)) if w not in own]
        return tuple(words)[:4]
    parts = [p for p in PurePosixPath(pattern.replace("**", "")).parts if p not in ("/", "")]
    meaningful = []
    for index, part in enumerate(parts):
        if set(part) & _WILDCARDS:
            named = _glob_words(part)
            if isinstance(named, tuple):
                if index == len(parts) - 1:
                    return named  # the line's own name, in words (`checkpointing_ssu*`)
                continue
            if named is None:
                continue
            part = named
        name = PurePosixPath(part).stem if "." in part else part
        folded = fold_word(name)
        if folded and folded not in _GENERIC and len(folded) >= 2:
            meaningful.append(folded)
    if not meaningful:
        return ()
    last = meaningful[-1]
    weak = last in _WEAK and len(meaningful) > 1
    name = meaningful[-2] if weak else last
    at = len(meaningful) - (2 if weak else 1)
    if at > 0 and meaningful[at - 1] == "dialect":
        # `lib/Dialect/Torch/` is asked about as "torch dialect", as a compiler lead says it
        # (in torch-mlir, "torch" alone is every path).
        return (name, "dialect", last) if weak else (name, "dialect")
    return (name, last) if weak else (name,)


def owner_areas(text: str, source_path: str, repo: str = "") -> list[Area]:
    """An owner file's areas, one per question its CODEOWNERS lines or headings ask."""
    grouped: dict[tuple[str, str | None], list[tuple[str, str]]] = defaultdict(list)
    order: list[tuple[str, str | None]] = []
    for row in parse_owner_file(text, source_path):
        if row.owner_kind == "team" or (row.area or "").startswith("**"):
            continue  # a team is no one; a bold list item names a person, not an area
        key = (row.pattern, row.area)
        if key not in grouped:
            order.append(key)
        if (row.owner_kind, row.owner_value) not in grouped[key]:
            grouped[key].append((row.owner_kind, row.owner_value))
    # Lines that ask the same question (`Gluon` in python/, test/, lib/ and include/; a header
    # and its source) are one area: scored once, owned by everyone they name.
    by_question: dict[tuple[str, ...], Area] = {}
    for pattern, area in order:
        words = area_words(pattern, area, repo)
        label = area or pattern.removesuffix("/**")
        owners = grouped[(pattern, area)]
        question = words or (f"no words: {label}",)  # lines without words stay apart
        known = by_question.get(question)
        if known is None:
            by_question[question] = Area(label, words, tuple(owners))
            continue
        merged = known.owners + tuple(o for o in owners if o not in known.owners)
        by_question[question] = Area(f"{known.label} + {label}", words, merged)
    return list(by_question.values())


def login_guesses(name: str) -> set[str]:
    """Logins people commonly build from their name: `adaquill`, `aquill`, `ada-quill`, ...

    History that knows only a name and a company address cannot say which GitHub account an
    owner file means; these forms (never the first or last name alone) let the backtest count
    such an owner without guessing wildly.
    """
    words = name_words(name)
    if len(words) < 2:
        return set()
    first, last = words[0], words[-1]
    forms = {
        first + last,
        first[0] + last,
        first + last[0],
        last + first,
        last + first[0],
        f"{first}-{last}",
        "".join(words),
        "-".join(words),
    }
    return {form for form in forms if len(form) >= 4}


@dataclass
class Guesses:
    """Login forms -> the people of one repository whose name gives them, and the names that do.

    `names` tells a form one name gives (safe to match through a login's stem) from a form two
    different people's names give (matched only when the login is exactly that form). `also`:
    forms of the other names records are known by, matched only when the login is exactly one.
    """

    people: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    also: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def add(self, form: str, person_id: int, name: str) -> None:
        self.people[form].add(person_id)
        self.names[form].add(name)

    def unique(self, form: str) -> set[int]:
        return self.people.get(form, set()) if len(self.names.get(form, ())) == 1 else set()


def _guessed(session: Session, repo_id: int) -> Guesses:
    """Login forms of the names of this repository's people.

    Besides `login_guesses`, a surname alone (`fifield`) when it is at least five letters and
    only one name in the repository's history carries it: short or shared surnames as logins
    are too often someone else's. The other names a record is known by (not review or forum
    handles) give their exact forms too (`Guesses.also`).
    """
    c = Contribution.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    here = sa.select(c.c.person_id).where(c.c.repo_id == repo_id)
    shown = sa.select(p.c.id, p.c.name).where(p.c.id.in_(here), p.c.name.is_not(None))
    rows = session.execute(shown).all()
    out = Guesses()
    # The other names a record is known by: `Adaq <aq@…>` who also signs as `Ada Quill` on
    # that address is `adaquill` too (exact forms only: stems of every alias guess wildly).
    handles = (PHABRICATOR_PREFIX, DISCOURSE_PREFIX)
    for person_id, name in name_identities(session, *handles, among=here):
        for guess in login_guesses(name):
            out.also[guess].add(person_id)
    surnames = Guesses()
    for person_id, name in rows:
        words = name_words(name)
        folded = " ".join(words)
        for guess in login_guesses(name):
            out.add(guess, person_id, folded)
        if len(words) >= 2 and len(words[-1]) >= 5 and words[-1].isalpha():
            surnames.add(words[-1], person_id, folded)
    for surname in set(surnames.people) - set(out.people):  # a name's own form comes first
        for person_id in surnames.unique(surname):
            out.add(surname, person_id, next(iter(surnames.names[surname])))
    return out


def login_stems(login: str) -> list[str]:
    """The name forms a login may be built on, longest first: a login is often a name's form
    with a company or a number after it (`eddie-quill-amd` -> `eddie-quill`, `eddiequill`;
    `equilltt` -> `equill`; `equill42` -> `equill`), or has a middle initial in it (`egquill`
    -> `equill`). Tried only where one name gives the form."""
    login = login.lower().replace("_", "-")
    stems: list[str] = []
    if "-" in login:
        head = login.rsplit("-", 1)[0]
        stems += [head, head.replace("-", "")]
    plain = login.replace("-", "")
    digits = re.search(r"[0-9]+$", plain)
    if digits:
        stems.append(plain[: digits.start()])
    elif plain.isalpha():
        stems += [plain[:-size] for size in (2, 3) if len(plain) - size >= 5]
    if plain.isalpha() and len(plain) >= 7:
        stems.append(plain[0] + plain[2:])  # first and middle initials, then the surname
    return [s for s in dict.fromkeys(stems) if len(s) >= 4 and s != login]


def _owner_people(
    session: Session, owners: Sequence[tuple[str, str]], guessed: Guesses
) -> dict[int, set[int]]:
    """Owner index -> the people csf holds for them: by login, address hash, a git name equal
    to the login, a name whose usual login forms give exactly this login, or one name alone
    whose form is the login's stem (`login_stems`)."""
    found: dict[int, set[int]] = defaultdict(set)
    for index, (kind, value) in enumerate(owners):
        keys = [(kind, value)]
        if kind == "github":
            keys.append((IdentityKind.NAME.value, name_key(value).value))
            # A review handle (`Reviewed By: login`) equal to the login: the owner's reviews.
            keys.append((IdentityKind.NAME.value, handle_key(value).value))
        for key_kind, key_value in keys:
            for person_id in session.exec(
                select(Identity.person_id).where(
                    Identity.kind == key_kind, Identity.value == key_value
                )
            ):
                found[index].add(person_id)
        if kind == "github":
            found[index].update(
                pid
                for pid in session.exec(select(Person.id).where(Person.login == value))
                if pid is not None
            )
            login = value.lower().replace("_", "-")
            for form in (login, login.replace("-", "")):
                found[index].update(guessed.people.get(form, set()))
                found[index].update(guessed.also.get(form, set()))
            for stem in login_stems(login):
                if by_stem := guessed.unique(stem):
                    found[index].update(by_stem)
                    break
    return {index: people for index, people in found.items() if people}


def same_person(session: Session, repo_name: str) -> dict[int, set[int]]:
    """Person id -> the records `csf people suggest` says are likely the same person.

    One person is often several records in a history (a work and a personal address under the
    same name); csf never joins them on its own, but an owner is the person, not one record:
    the owner counts as found wherever any of their records ranks, for csf and the count alike.
    """
    joined: dict[int, set[int]] = {}
    for suggestion in suggest(session, repo=repo_name):
        ids = set(suggestion.person_ids)
        for person_id in ids:
            joined[person_id] = joined.get(person_id, {person_id}) | ids
    return joined


def baseline_ranking(
    session: Session, repo_id: int, words: Sequence[str], start: datetime, end: datetime
) -> list[int]:
    """People by plain count of commits whose paths contain every word (the bar to beat).

    Paths are read as the question folds its words (`programming_examples` is asked as
    `programmingexamples`), or the count would find no one for every such folder.
    """
    c = Contribution.__table__  # type: ignore[attr-defined]
    paths = sa.func.lower(sa.cast(c.c.paths, sa.String))
    paths = sa.func.replace(sa.func.replace(paths, "_", ""), "-", "")
    statement = (
        sa.select(c.c.person_id, sa.func.count().label("n"))
        .where(
            c.c.repo_id == repo_id,
            c.c.kind == "commit",
            c.c.occurred_at >= start,
            c.c.occurred_at < end,
            *[paths.contains(word.lower(), autoescape=True) for word in words],
        )
        .group_by(c.c.person_id)
        .order_by(sa.desc("n"), c.c.person_id)
        .limit(TOP)
    )
    return [person_id for person_id, _ in session.execute(statement)]


def score(ranked: Sequence[int], owners: Mapping[int, set[int]]) -> dict[str, float]:
    """hit@5, recall@10, MRR (of the first owner in the top 10) and nDCG@10 (binary)."""
    ranks = []
    for people in owners.values():
        positions = [i + 1 for i, pid in enumerate(ranked[:TOP]) if pid in people]
        if positions:
            ranks.append(min(positions))
    total = len(owners)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(total, TOP)))
    return {
        "hit@5": 1.0 if any(r <= 5 for r in ranks) else 0.0,
        "recall@10": len(ranks) / total if total else 0.0,
        "mrr": 1 / min(ranks) if ranks else 0.0,
        "ndcg@10": sum(1 / math.log2(r + 1) for r in ranks) / ideal if ideal else 0.0,
    }


def backtest_owners(
    session: Session,
    taxonomy: Taxonomy,
    config: Mapping[str, Any],
    repo_name: str,
    owner_text: str,
    source_path: str,
    *,
    as_of: datetime,
    window_days: int | None = None,
) -> OwnerBacktest:
    """Score csf and the commit count against every area of one repository's owner file."""
    repo = session.exec(select(Repo).where(sa.func.lower(Repo.full_name) == repo_name.lower()))
    found = repo.first()
    if found is None or found.id is None:
        raise ValueError(f"{repo_name} is not in the store: ingest it first")
    settings: dict[str, Any] = {**config, "points": {**config["points"], "ownership": 0.0}}
    days = int(window_days if window_days is not None else settings["window_days"])
    start = as_of - timedelta(days=days)
    report = OwnerBacktest(found.full_name, as_of, days, [], [])
    guessed = _guessed(session, found.id)
    same = same_person(session, found.full_name)
    for area in owner_areas(owner_text, source_path, found.full_name):
        owners = _owner_people(session, area.owners, guessed)
        owners = {i: {o for p in held for o in same.get(p, {p})} for i, held in owners.items()}
        entry = AreaScore(area, len(owners))
        if not area.words:
            entry.note = "no words to ask with"
        elif not owners:
            entry.note = "no owner is known to csf"
        if entry.note:
            report.skipped.append(entry)
            continue
        base = baseline_ranking(session, found.id, area.words, start, as_of)
        # Asked as a recruiter would: the repository's name, then the area's words.
        words = [found.full_name.rsplit("/", 1)[-1], *area.words]
        reading = replace(
            read_query(taxonomy, words, [(found.full_name, found.ecosystem)]),
            repos=(found.full_name,),
        )
        answer = who(
            session,
            taxonomy,
            reading,
            config=settings,
            as_of=as_of,
            window_days=days,
            limit=TOP,
            cached=False,
        )
        ranked = [r.person_id for r in answer.results]
        if not base and not ranked:
            entry.note = "no work in the area"
            report.skipped.append(entry)
            continue
        entry.csf = score(ranked, owners)
        entry.baseline = score(base, owners)
        report.areas.append(entry)
    return report


def as_json(report: OwnerBacktest) -> dict[str, Any]:
    def area(entry: AreaScore) -> dict[str, Any]:
        return {
            "area": entry.area.label,
            "question": " ".join(entry.area.words),
            "owners": len(entry.area.owners),
            "owners_known": entry.owners_matched,
            "csf": entry.csf,
            "commit_count": entry.baseline,
            **({"skipped": entry.note} if entry.note else {}),
        }

    return {
        "repo": report.repo,
        "as_of": report.as_of.isoformat(),
        "window_days": report.window_days,
        "overall": {"csf": report.overall("csf"), "commit_count": report.overall("baseline")},
        "areas": [area(a) for a in report.areas],
        "skipped": [area(a) for a in report.skipped],
    }
