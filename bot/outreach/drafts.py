"""Outreach drafts that reference a person's own work: what `csf outreach` and the Outreach
button show. csf drafts; a human reads, edits and sends. csf never sends anything itself.

A draft is built from the person's public contributions (one to three of them, with title, link
and the dialect, pass or backend they touched), one roadmap theme of the hiring team that fits
that work, and the role. Several angles (their latest change, their most substantial one, their
review work, their design threads) are available when the work supports them; the default is
chosen from the person's login, so two people in the same area get different messages, and
"Another angle" walks the rest.

Contact routes are only those a person published for contact themselves: the address and
website on their GitHub profile, and the profile. Addresses from commits are never stored in
clear (bot.store.identity), so they cannot leak into a draft. GitHub's acceptable-use terms forbid
bulk recruiting mail from GitHub data, and GDPR Article 14 asks that a person be told who holds
their data, why, and where it came from: every first message says so in one friendly line.

Templates are jinja2 files in bot/outreach/templates/ rendered with StrictUndefined, so a missing
value
is an error, never a silent gap in a message.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import jinja2
from sqlmodel import Session

from bot.errors import CsfError
from bot.outreach.company import Company, Theme
from bot.outreach.roles import Role
from bot.outreach.work import Work, load_work, pr_authors, rfc_threads
from bot.ranking.who import load_ranking_config
from bot.store.models import Person
from bot.taxonomy.model import Taxonomy

TEMPLATES = {
    "first_email": "first_email.txt.j2",
    "dm": "dm.txt.j2",
    "follow_up": "follow_up.txt.j2",
}
ANGLES = {
    "latest_pr": "their latest change",
    "substantial_pr": "their most substantial change",
    "reviews": "their review work",
    "design": "their RFC and design work",
}
TITLE_LIMIT = 110  # characters of a title quoted in a message
MAX_CITES = 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_TEST_PATH = re.compile(
    r"(?:^|/)(?:test|tests|unittests?|testing|lit)/|_test\.[a-z]+$|(?:^|/)test_[^/]*\.py$|Test\.cpp$"
)
_LOW_HOOK = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)*(?:NFCI?\b|\[NFCI?\]|typo|format|clang-format)", re.I
)
_REVERT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)*revert\b", re.I)
# Upkeep that follows other work: never what a message is built on.
_ROUTINE = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)*(?:fix(?:es|ed)? (?:the )?(?:tests?|build|bots?|warnings?)\b|"
    r"bump\b|update (?:the )?(?:llvm|submodule|dependenc)|(?:llvm )?integrate\b)",
    re.I,
)
# The wrappers a follow-up puts around the work it follows: `Reland "X"`, `X (part 2)`.
_FOLLOW_UP = re.compile(
    r'^(?:reland|re-land|clean up after|fix tests after|follow[- ]up to)\s+"(.+)"$'
    r"|^(.+?)\s*\(part \d+\)$",
    re.I,
)
# Addresses that reach no one: GitHub's noreply relay, and any no-reply mailbox.
_NO_REPLY = re.compile(r"(?:^|[@.])(?:users\.)?noreply\.|^no-?reply@|@no-?reply\.", re.I)
# Paths to the part of a compiler they name, most specific first; {} is the matched name.
_AREAS = (
    (re.compile(r"(?:^|/)third_party/(amd|nvidia|intel)/"), "Triton's {} backend"),
    (re.compile(r"(?:^|/)Dialect/([A-Za-z0-9]+)/"), "the {} dialect"),
    (re.compile(r"(?:^|/)Conversion/([A-Za-z0-9]+)/"), "the {} conversion"),
    (re.compile(r"(?:^|/)mlir/lib/Target/([A-Za-z0-9]+)/"), "MLIR's {} translation"),
    (re.compile(r"(?:^|/)Target/([A-Za-z0-9]+)/"), "the {} backend"),
    (re.compile(r"(?:^|/)lib/Transforms/(InstCombine)/"), "{}"),
    (
        re.compile(
            r"(?:^|/)lib/Transforms/(?:Scalar|IPO|Vectorize|Instrumentation|Coroutines)/"
            r"([A-Za-z0-9]+)\.cpp$"
        ),
        "the {} pass",
    ),
    (re.compile(r"(?:^|/)lib/Analysis/([A-Za-z0-9]+)\.cpp$"), "{} analysis"),
)
_BREAK = "\x00"  # `{{ br }}` in a template: a line break kept inside a paragraph
_VENDORS = {"amd": "AMD", "nvidia": "NVIDIA", "intel": "Intel"}


@dataclass(frozen=True)
class Citation:
    """One of the person's contributions a draft refers to."""

    kind: str  # pr, commit, review, rfc, comment
    title: str  # cleaned for plain text, at most TITLE_LIMIT characters
    url: str | None
    area: str  # "the Linalg dialect", "the AMDGPU backend", "MLIR's Bufferization"
    repo: str
    when: datetime
    size: str
    with_tests: bool


@dataclass(frozen=True)
class ContactRoute:
    """A way to reach someone that they published for that purpose themselves."""

    kind: str  # "email", "website", "github"
    value: str
    note: str


@dataclass
class Draft:
    person_id: int
    login: str | None
    name: str | None
    template: str
    angle: str
    angles: tuple[str, ...]  # every angle the person's work supports, in a fixed order
    subject: str | None  # None for notes that have none (DMs)
    body: str
    cites: tuple[Citation, ...]
    role: str  # key
    role_name: str
    theme: str
    company: str
    routes: tuple[ContactRoute, ...]
    as_of: datetime


def next_angle(draft: Draft) -> str:
    """The angle "Another angle" moves to: the next one the work supports, wrapping round."""
    index = draft.angles.index(draft.angle) if draft.angle in draft.angles else -1
    return draft.angles[(index + 1) % len(draft.angles)]


# -- text for a plain-text message -------------------------------------------------------------


def plain(text: str | None, limit: int = TITLE_LIMIT) -> str:
    """Untrusted text as one clean line: no control or bidi characters, bounded length."""
    if not text:
        return ""
    cleaned = " ".join(_CONTROL.sub(" ", text).split())
    if len(cleaned) <= limit:
        return cleaned
    cut = cleaned[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


def first_name(person: Person) -> str:
    """What a message opens with: their first name as they write it, else their login."""
    name = plain(person.name, 60)
    if name:
        first = name.split()[0]
        return first if len(first) > 1 and not first.endswith(".") else name
    return person.login or "there"


def area_of(work: Work, taxonomy: Taxonomy) -> str:
    """The dialect, pass or backend a change touched, in words; the topic or repo otherwise."""
    found: Counter[str] = Counter()
    for path in work.paths:
        if _TEST_PATH.search(path):
            continue
        for pattern, shape in _AREAS:
            match = pattern.search(path)
            if match:
                found[shape.format(_VENDORS.get(match.group(1), match.group(1)))] += 1
                break
    if found:
        return found.most_common(1)[0][0]
    topics = sorted(t for t in work.topics if "." in t)
    by_id = taxonomy.topics_by_id()
    for tag in topics:
        topic = by_id.get(tag)
        eco = taxonomy.ecosystem(tag.split(".")[0])
        if topic is not None and eco is not None:
            owner = f"the {eco.name}" if " " in eco.name else eco.name
            return f"{owner}'s {topic.name}"
    for tag in sorted(work.topics):
        eco = taxonomy.ecosystem(tag)
        if eco is not None:
            return f"the {eco.name}" if " " in eco.name else eco.name
    return work.repo


# -- choosing what to cite ---------------------------------------------------------------------


def _is_trivial(work: Work, size: Mapping[str, Any]) -> bool:
    lines = work.additions + work.deletions
    small = work.files <= 1 and lines <= int(size["trivial_lines"])
    return small or work.files >= int(size["mass_change_files"])


def _citable(work: Work) -> bool:
    return bool(plain(work.title)) and not _REVERT.search(work.title or "")


@dataclass
class _Material:
    """What each angle can cite, from the person's own work."""

    latest: list[Work]
    substantial: list[Work]
    reviewed: list[Work]  # one review per PR reviewed, most-reviewed first
    review_count: int
    review_authors: int
    threads: list[tuple[Work, bool]]  # (row, started it)
    reviews: list[Work]  # every review in the window, to count those in one area
    trivial: list[Work]  # their own changes too small or routine to build a message on

    def available(self) -> tuple[str, ...]:
        angles = []
        if self.latest:
            angles.append("latest_pr")
        # Only a different lead from "latest" makes it a different angle.
        if self.substantial and (not self.latest or self.substantial[0] != self.latest[0]):
            angles.append("substantial_pr")
        if len(self.reviewed) >= 2:
            angles.append("reviews")
        if self.threads:
            angles.append("design")
        return tuple(angles)

    def cites(self, angle: str) -> list[Work]:
        if angle == "latest_pr":
            return self.latest[:MAX_CITES]
        if angle == "substantial_pr":
            return self.substantial[:MAX_CITES]
        if angle == "reviews":
            return self.reviewed[:MAX_CITES]
        return [w for w, _ in self.threads[:2]]


def _material(
    session: Session, person_id: int, work: list[Work], config: Mapping[str, Any]
) -> _Material:
    size = config["size"]
    authored = [w for w in work if w.authored and _citable(w)]
    solid = [w for w in authored if not _is_trivial(w, size) and not _ROUTINE.search(w.title or "")]
    # Newest first, but a formatting fix or an NFC tidy-up is a poor opening.
    latest = sorted(solid, key=lambda w: (bool(_LOW_HOOK.search(w.title or "")), -_ts(w)))
    substantial = sorted(
        solid,
        key=lambda w: (-(min(w.files, 40) * 40 + min(w.additions + w.deletions, 4000)), -_ts(w)),
    )
    reviews = [w for w in work if w.kind == "review" and _citable(w)]
    trivial = [w for w in authored if w not in solid]
    by_pr: dict[tuple[int, int | None, str], list[Work]] = defaultdict(list)
    for review in reviews:
        by_pr[(review.repo_id, review.parent_number, review.title or "")].append(review)
    reviewed = [
        rows[0]  # the newest review of each PR (work is newest first)
        for rows in sorted(by_pr.values(), key=lambda rows: (-len(rows), -_ts(rows[0])))
    ]
    authors_of = pr_authors(session, reviews)
    authors = {
        a
        for r in reviews
        if r.parent_number is not None
        and (a := authors_of.get((r.repo_id, r.parent_number))) not in (None, person_id)
    }
    threads: list[tuple[Work, bool]] = []
    joined_seen: set[tuple[int, int]] = set()
    found = rfc_threads(session, work)
    for item in work:  # newest first
        if item.kind == "rfc" and item.number is not None and _citable(item):
            threads.append((item, True))
        elif item.kind == "comment" and item.parent_number is not None and _citable(item):
            key = (item.repo_id, item.parent_number)
            if key in found and found[key] is None and key not in joined_seen:
                joined_seen.add(key)
                threads.append((item, False))
    threads.sort(key=lambda t: (not t[1], -_ts(t[0])))
    return _Material(
        _distinct(latest),
        _distinct(substantial),
        _distinct(reviewed),
        len(reviews),
        len(authors),
        threads,
        reviews,
        trivial,
    )


def _base_title(work: Work) -> str:
    """The work a title is about, without its prefixes or a follow-up's wrapper:
    `[AMD] Reland "Use loads"` and `[AMD] Use loads (part 2)` are one piece of work."""
    title = re.sub(r"^\s*(?:\[[^\]]*\]\s*)+", "", plain(work.title))
    match = _FOLLOW_UP.match(title)
    if match:
        title = match.group(1) or match.group(2)
    return " ".join(title.casefold().split())


def _distinct(works: list[Work]) -> list[Work]:
    """Each piece of work once: a draft never cites one title, or its reland, twice."""
    seen: set[str] = set()
    kept = []
    for item in works:
        base = _base_title(item)
        if base not in seen:
            seen.add(base)
            kept.append(item)
    return kept


def _review_authors(session: Session, reviews: list[Work], person_id: int) -> int:
    """How many other people wrote the PRs these reviews are on."""
    authors_of = pr_authors(session, reviews)
    return len(
        {
            a
            for r in reviews
            if r.parent_number is not None
            and (a := authors_of.get((r.repo_id, r.parent_number))) not in (None, person_id)
        }
    )


def _span(days: int) -> str:
    """A window in the words a message uses: `two years`, `18 months`, `90 days`."""
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    if days % 365 == 0 or days >= 730:
        years = round(days / 365)
        return "year" if years == 1 else f"{words.get(years, str(years))} years"
    if days >= 60:
        return f"{round(days / 30.4)} months"
    return f"{days} days"


def _ts(work: Work) -> float:
    return work.when.timestamp()


def _seed(person: Person) -> str:
    return (person.login or f"#{person.id}").casefold()


def _pick(seed: str, name: str, count: int) -> int:
    digest = hashlib.sha256(f"{seed}\x00{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def contact_routes(person: Person) -> tuple[ContactRoute, ...]:
    """Routes the person published themselves; never an address seen in commits."""
    routes = []
    email = (person.public_email or "").strip()
    if re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", email) and not _NO_REPLY.search(email):
        routes.append(ContactRoute("email", email, "the address they publish on GitHub"))
    blog = (person.blog or "").strip()
    if blog and not re.search(r"\s", blog):
        url = blog if re.match(r"^https?://", blog) else f"https://{blog}"
        if re.match(r"^https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:[/:?#]\S*)?$", url):
            routes.append(ContactRoute("website", url, "the website on their GitHub profile"))
    if person.login:
        routes.append(
            ContactRoute(
                "github",
                f"https://github.com/{person.login}",
                "their GitHub profile, for the accounts they list there",
            )
        )
    return tuple(routes)


# -- rendering -------------------------------------------------------------------------------------


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.outreach", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text: untrusted text is cleaned by `plain` before it gets here
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals["br"] = _BREAK
    env.filters["quoted"] = _quoted
    env.filters["titled"] = _titled
    env.filters["plural"] = _plural
    return env


def _quoted(cite: Mapping[str, Any]) -> str:
    """A citation as a message shows it: “Title” (link)."""
    title = f"“{cite['title']}”"
    return f"{title} ({cite['url']})" if cite["url"] else title


def _titled(cite: Mapping[str, Any]) -> str:
    return f"“{cite['title']}”"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(template: str, context: Mapping[str, Any]) -> tuple[str | None, str]:
    """(subject, body) of a template; a value the template names but `context` lacks fails."""
    if template not in TEMPLATES:
        raise CsfError(f"unknown template {template!r}: choose one of {', '.join(TEMPLATES)}")
    loaded = environment().get_template(TEMPLATES[template])
    variables = dict(context)
    variables["variant"] = lambda name, count: _pick(str(context["seed"]), name, int(count))
    ctx = loaded.new_context(variables)
    subject = _tidy("".join(loaded.blocks["subject"](ctx))) if "subject" in loaded.blocks else ""
    body = _tidy("".join(loaded.blocks["body"](ctx)))
    return (" ".join(subject.split()) or None), body


def _tidy(text: str) -> str:
    """Paragraphs as a person types them: template lines joined, one blank line between.

    Templates put each sentence (and each `{% if %}`) on a line of its own for readability; a
    paragraph is joined into one line, which mail clients wrap. `{{ br }}` keeps a line break
    (sign-offs). Untrusted values cannot forge one: `plain` removes control characters.
    """
    paragraphs = re.split(r"\n\s*\n", text.strip())
    joined = (" ".join(p.split()) for p in paragraphs)
    out = "\n\n".join(p for p in joined if p)
    return re.sub(rf" ?{_BREAK} ?", "\n", out)


def _cite_view(work: Work, taxonomy: Taxonomy) -> dict[str, Any]:
    return {
        "kind": work.kind,
        "title": plain(work.title),
        "url": _url(work.url),
        "area": area_of(work, taxonomy),
        "repo": work.repo,
        "month": f"{work.when:%B %Y}",
        "files": work.files,
        "with_tests": any(_TEST_PATH.search(p) for p in work.paths),
    }


def _url(url: str | None) -> str | None:
    return url if url and re.fullmatch(r"https?://[^\s\x00-\x1f\x7f<>\"]+", url) else None


def _theme_view(theme: Theme, matched: bool) -> dict[str, Any]:
    return {"name": theme.name, "detail": theme.detail, "matched": matched}


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def draft_outreach(
    session: Session,
    taxonomy: Taxonomy,
    person: Person,
    *,
    company: Company,
    role: Role,
    as_of: datetime,
    template: str = "first_email",
    angle: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> Draft:
    """A message for `person` that cites their own work; see the module doc.

    `config` is the ranking configuration (its size thresholds say what a trivial change is;
    default: bot/ranking/ranking.yml as shipped). Raises CsfError when there is nothing of theirs to
    cite: csf does not write generic mail.
    """
    if config is None:
        config = load_ranking_config()
    if template not in TEMPLATES:
        raise CsfError(f"unknown template {template!r}: choose one of {', '.join(TEMPLATES)}")
    if angle is not None and angle not in ANGLES:
        raise CsfError(f"unknown angle {angle!r}: choose one of {', '.join(ANGLES)}")
    assert person.id is not None
    who = person.login or f"#{person.id}"
    if person.is_bot:
        raise CsfError(f"{who} is a bot account; csf drafts messages to people only")
    work = load_work(session, person.id, as_of - timedelta(days=role.window_days), as_of)
    material = _material(session, person.id, work, config)
    angles = material.available()
    if not angles and material.trivial:
        example = material.trivial[0]
        raise CsfError(
            f"{who}'s only own changes in the {role.window_days} days before {as_of:%Y-%m-%d} "
            f"are small or routine ({len(material.trivial)}, e.g. {plain(example.title, 60)!r}, "
            f"{example.size}, {example.when:%Y-%m}): too little to write to them about; "
            "csf drafts only messages built on substantial work of theirs"
        )
    if not angles:
        raise CsfError(
            f"no public work by {who} in the {role.window_days} days before "
            f"{as_of:%Y-%m-%d} to refer to; csf drafts only messages that cite a person's own work"
        )
    seed = _seed(person)
    if angle is None:
        index = _pick(seed, "angle", len(angles))
        if template == "follow_up" and len(angles) > 1:
            index += 1  # a follow-up brings something the first message did not
        angle = angles[index % len(angles)]
    elif angle not in angles:
        raise CsfError(
            f"{who}'s public work has nothing for the {angle!r} angle; try {', '.join(angles)}"
        )
    cited = material.cites(angle)
    fresh = True  # a follow-up's lead is not the one the first message opened with
    if template == "follow_up" and len(angles) == 1:
        fresh = len(cited) > 1
        cited = cited[1:] + cited[:1]
    area_reviews: list[Work] = []
    if angle == "reviews":
        # Every number is scoped as the message words it: reviews in the lead's area, in the
        # role's window; the others cited are from that area too.
        lead_area = area_of(cited[0], taxonomy)
        area_reviews = [r for r in material.reviews if area_of(r, taxonomy) == lead_area]
        cited = [w for w in cited if area_of(w, taxonomy) == lead_area]
    theme, matched = company.theme_for(work, cited)
    cites = [_cite_view(w, taxonomy) for w in cited]
    repos = list(dict.fromkeys(w.repo for w in cited))[:2]
    context = {
        "seed": seed,
        "angle": angle,
        "greeting": first_name(person),
        "lead": cites[0],
        "others": cites[1:],
        "cites": cites,
        "reviews": {
            "count": len(area_reviews),
            "authors": _review_authors(session, area_reviews, person.id),
            "prs": len({(r.repo_id, r.parent_number) for r in area_reviews}),
            "window": _span(role.window_days),
        },
        "started": material.threads[0][1] if angle == "design" else False,
        "fresh": fresh,
        "theme": _theme_view(theme, matched),
        "role": {
            "name": role.name,
            "article": role.article,
            "pitch": company.pitch(role),
        },
        "company": {
            "name": company.name,
            "builds": company.builds,
            "website": company.website,
            "location": company.location,
            "privacy_contact": company.privacy_contact,
        },
        "sender": {
            "name": company.sender.name,
            "role": company.sender.role,
            "email": company.sender.email,
        },
        "repos": _join(repos),
    }
    subject, body = render(template, context)
    return Draft(
        person_id=person.id,
        login=person.login,
        name=person.name,
        template=template,
        angle=angle,
        angles=angles,
        subject=subject,
        body=body,
        cites=tuple(
            Citation(
                kind=w.kind,
                title=view["title"],
                url=view["url"],
                area=view["area"],
                repo=w.repo,
                when=w.when,
                size=w.size,
                with_tests=view["with_tests"],
            )
            for w, view in zip(cited, cites, strict=True)
        ),
        role=role.key,
        role_name=role.name,
        theme=theme.name,
        company=company.name,
        routes=contact_routes(person),
        as_of=as_of,
    )


def as_json(draft: Draft) -> dict[str, Any]:
    return {
        "person": {"id": draft.person_id, "login": draft.login, "name": draft.name},
        "template": draft.template,
        "angle": draft.angle,
        "angles": list(draft.angles),
        "subject": draft.subject,
        "body": draft.body,
        "cites": [
            {
                "kind": c.kind,
                "title": c.title,
                "url": c.url,
                "area": c.area,
                "repo": c.repo,
                "date": c.when.date().isoformat(),
                "size": c.size,
                "with_tests": c.with_tests,
            }
            for c in draft.cites
        ],
        "role": {"key": draft.role, "name": draft.role_name},
        "theme": draft.theme,
        "company": draft.company,
        "routes": [{"kind": r.kind, "value": r.value, "note": r.note} for r in draft.routes],
        "as_of": draft.as_of.isoformat(),
    }
