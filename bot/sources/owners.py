"""Who owns which paths: CODEOWNERS and maintainer files, parsed into (pattern, owner) rows.

Three formats, because the tracked ecosystems use all three:
- CODEOWNERS (gitignore-style patterns followed by `@login`, `@org/team` or addresses);
- Markdown maintainer files (LLVM's `*/Maintainers.md`, Apache-style `CONTRIBUTORS.md`): headings
  name areas (unless they name a role, "Committers"; people under "Emeritus" keep nothing), list
  items may name areas before their owners or after them (`@login - relay, topi`), and people
  appear as `[login](https://github.com/login)` links, `@login` mentions or addresses; a file's
  folder is the path scope it speaks for;
- the Linux kernel's `MAINTAINERS`: sections with `M:`/`R:` people and `F:` file patterns.
Addresses become `sha256:` identity hashes at once; they are never kept in clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.store.identity import ADDRESS, email_key, normalise_login

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
_MAINTAINER_FILE = re.compile(
    r"^(maintainers|code_owners|contributors)(\.(md|rst|txt))?$", re.IGNORECASE
)
_GITHUB_LINK = re.compile(r"github\.com/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?![A-Za-z0-9/-])")
_MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?![\w/@.-])")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*[*+-]\s+(.+)$")
_QUOTES = str.maketrans("", "", "‘’“”'\"`")
# Headings that say who people are rather than what they keep ("Committers", "Lead
# maintainers"), and those of people who keep nothing now ("Emeritus", "Inactive maintainers").
_ROLE_HEADING = re.compile(
    r"(the\s+)?((lead|active|current|core|project|area)\s+)*(committers?|reviewers?|"
    r"maintainers?|contributors?|pmc(\s+members)?|members?|owners?|code\s+owners|people|team|"
    r"developers)(\s+list)?",
    re.IGNORECASE,
)
_GONE_HEADING = re.compile(r"\b(emeritus|inactive|former|past|alumni|retired)\b", re.IGNORECASE)
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@dataclass(frozen=True)
class Ownership:
    line: int
    pattern: str
    owner_kind: str  # "github", "email", "team"
    owner_value: str
    area: str | None = None


def is_maintainer_file(name: str) -> bool:
    return bool(_MAINTAINER_FILE.match(name))


def codeowners_glob(pattern: str) -> str:
    """A CODEOWNERS (gitignore-style) pattern as a root-relative csf glob."""
    anchored = pattern.startswith("/")
    body = pattern.strip("/")
    if body in ("", "*", "**"):
        return "**"
    if not anchored and "/" not in body:
        body = "**/" + body  # a bare name matches at any depth
    if pattern.endswith("/"):
        body += "/**"
    return body


def _owner(token: str) -> tuple[str, str] | None:
    if token.startswith("@"):
        name = token[1:]
        if "/" in name:
            return "team", name.lower()
        try:
            return "github", normalise_login(name)
        except ValueError:
            return None
    if ADDRESS.fullmatch(token):
        return next((("email", key) for key in _address_keys(token)), None)
    return None


def _address_keys(text: str) -> list[str]:
    """The `sha256:` keys of the addresses in `text` (ones no mail could reach are skipped)."""
    keys = []
    for address in ADDRESS.findall(text):
        try:
            keys.append(email_key(address).value)
        except ValueError:  # `root@localhost`, a quoted local part with a space
            continue
    return keys


def parse_codeowners(text: str) -> list[Ownership]:
    rows: list[Ownership] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("\\#") else raw.strip()
        if not line:
            continue
        pattern, *owners = line.split()
        glob = codeowners_glob(pattern)
        for token in owners:
            owner = _owner(token)
            if owner is not None:
                rows.append(Ownership(number, glob, owner[0], owner[1]))
    return rows


def maintainer_scope(source_path: str) -> str:
    """The paths a Markdown maintainer file speaks for: everything under its folder."""
    folder = str(PurePosixPath(source_path).parent)
    return "**" if folder in ("", ".") else f"{folder}/**"


def parse_markdown_maintainers(text: str, source_path: str) -> list[Ownership]:
    """Rows for the people a maintainer file names, with the area the heading above them names.

    A list item that names owners after some text (LLVM's `* ‘vector’ Dialect (tensor +
    [@login](…))` under `#### Type Dialects`) names a narrower area itself: its people get a
    row for that area too, so either may match a topic.
    """
    scope = maintainer_scope(source_path)
    rows: list[Ownership] = []
    area: str | None = None
    gone = False
    seen: set[tuple[str, str, str | None]] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        heading = _HEADING.match(line)
        if heading:
            title = heading.group(1).strip()
            gone = _GONE_HEADING.search(title) is not None
            # "Committers" says who someone is, not what they keep: no area of its own.
            area = None if _ROLE_HEADING.fullmatch(title.translate(_QUOTES)) else title
            continue
        if gone:
            continue  # emeritus and former maintainers keep nothing now
        found: list[tuple[str, str]] = []
        for login in _GITHUB_LINK.findall(line) + _MENTION.findall(line):
            try:
                found.append(("github", normalise_login(login)))
            except ValueError:
                continue
        found.extend(("email", key) for key in _address_keys(line))
        areas = [area]
        item = _ITEM.match(line)
        if found and item and (label := _item_area(item.group(1))) and label != area:
            areas.append(label)
        if found and item:
            areas.extend(tag for tag in _item_tags(item.group(1)) if tag not in areas)
        for kind, value in found:
            for named in areas:
                if (kind, value, named) not in seen:
                    seen.add((kind, value, named))
                    rows.append(Ownership(number, scope, kind, value, named))
    return rows


_FORUM_HANDLE = re.compile(r"(?:^|[\s,;])([A-Za-z0-9][A-Za-z0-9_.-]{0,59})\s*\(discourse\)", re.I)


def forum_handles(text: str) -> list[tuple[str, str]]:
    r"""(GitHub login, forum username) pairs a maintainer file gives in one entry.

    LLVM's files write an entry as a name line ending in a backslash (a Markdown line break)
    followed by its details: `Ada Quill \`, then `ada@… (email), [ada-q](https://github.com/
    ada-q) (GitHub), ada_q (Discourse) \`, then the next person's name line; MLIR's as a list
    item (`- Ada Quill \`) followed by indented lines. An entry naming one GitHub account pairs
    it with each Discourse username it names; an entry naming several accounts pairs none
    (which username is whose is not said).
    """
    pairs: list[tuple[str, str]] = []
    entry: list[str] = []

    def close() -> None:
        block = "\n".join(entry)
        logins = set()
        for login in _GITHUB_LINK.findall(block) + _MENTION.findall(block):
            try:
                logins.add(normalise_login(login))
            except ValueError:
                continue
        handles = [h.lower() for h in _FORUM_HANDLE.findall(block)]
        if len(logins) == 1 and handles:
            (login,) = logins
            pairs.extend((login, handle) for handle in dict.fromkeys(handles))
        entry.clear()

    for line in text.splitlines():
        if _HEADING.match(line) or not line.strip():
            close()
            continue
        if _ITEM.match(line) or _is_name_line(line):
            close()
            entry.append(line)
        elif entry:
            entry.append(line)
    close()
    return list(dict.fromkeys(pairs))  # a maintainer of several areas is named several times


def _is_name_line(line: str) -> bool:
    r"""`Ada Quill \` or `Ada Quill (esp. the ML inliner) \`: a person's name, then a break."""
    stripped = line.strip()
    return (
        stripped.endswith("\\")
        and "@" not in stripped
        and not _GITHUB_LINK.search(stripped)
        and "(GitHub)" not in stripped
    )


def _item_tags(text: str) -> list[str]:
    """Areas a list item names after its owners, as Apache-style contributor lists do:
    `[Ada](https://github.com/ada) (PMC): @ada - relay, topi` -> `relay`, `topi`."""
    ends = [m.end() for r in (_GITHUB_LINK, _MENTION, ADDRESS) for m in r.finditer(text)]
    if not ends:
        return []
    rest = _BRACKETED.sub(" ", text[max(ends) :])
    rest = rest.lstrip(" )]>:-\u2013\u2014,").strip()
    tags = []
    for part in re.split(r"[,;/]|\band\b", rest):
        tag = part.translate(_QUOTES).strip(" .:-")
        if tag and len(tag) <= 40 and len(tag.split()) <= 4 and re.search(r"[A-Za-z]", tag):
            tags.append(tag)
    return tags


def _item_area(text: str) -> str | None:
    """What a list item names before its owners: `‘vector’ Dialect (…)` -> `vector`."""
    label = re.split(r"[(\[@<]", text, maxsplit=1)[0].translate(_QUOTES).strip()
    label = re.sub(r"\s+dialect$", "", label, flags=re.IGNORECASE).strip(" ,:-")
    return label or None


def parse_linux_maintainers(text: str) -> list[Ownership]:
    """The kernel's MAINTAINERS: a title line, then `M:`/`R:` people and `F:` patterns."""
    rows: list[Ownership] = []
    title: str | None = None
    people: list[tuple[int, str]] = []
    files: list[str] = []

    def flush() -> None:
        for number, value in people:
            for pattern in files:
                rows.append(Ownership(number, pattern, "email", value, title))

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            flush()
            title, people, files = None, [], []
            continue
        tag, sep, rest = line.partition(":")
        if sep and len(tag) == 1 and tag.isupper():
            value = rest.strip()
            if tag in ("M", "R"):
                people.extend((number, key) for key in _address_keys(value))
            elif tag == "F":
                files.append(value.rstrip("/") + "/**" if value.endswith("/") else value)
        elif title is None:
            title = line.strip()
    flush()
    return rows


def parse_owner_file(text: str, source_path: str) -> list[Ownership]:
    name = PurePosixPath(source_path).name
    if name == "CODEOWNERS":
        return parse_codeowners(text)
    if name == "MAINTAINERS" and "\nF:" in text:
        return parse_linux_maintainers(text)
    return parse_markdown_maintainers(text, source_path)
