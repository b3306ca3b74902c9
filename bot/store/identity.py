"""How a person is recognised: normalised logins, hashed addresses, suppression keys.

Email addresses are only ever compared for equality (is this commit author the same person as
that GitHub account?), so csf keeps a one-way hash of the normalised address and its domain, and
never the address itself. GitHub's terms also forbid using addresses taken from GitHub for
unsolicited recruiting mail; not holding them is the simplest way to never do that.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from bot.store.kinds import IdentityKind

HASH_PREFIX = "sha256:"
_LOGIN = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}(\[bot\])?$")
_NOREPLY = re.compile(r"^(?:(\d+)\+)?([a-z0-9-]{1,39})@users\.noreply\.github\.com$")
# Local parts that name a role, a machine or nobody in particular: two people may well share one,
# so they are never evidence that two records are one person. Shorter ones than
# `MIN_LOCAL_PART` are as common (initials, "bo", "ada").
GENERIC_LOCAL_PARTS = frozenset(
    [
        "admin",
        "administrator",
        "anonymous",
        "build",
        "builder",
        "buildbot",
        "ci",
        "code",
        "commits",
        "compiler",
        "contact",
        "daemon",
        "debian",
        "dev",
        "developer",
        "developers",
        "devnull",
        "devel",
        "email",
        "example",
        "git",
        "github",
        "gitlab",
        "hello",
        "home",
        "info",
        "linux",
        "list",
        "lists",
        "llvm",
        "local",
        "localhost",
        "mail",
        "mailer",
        "maintainer",
        "maintainers",
        "me",
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "nobody",
        "none",
        "null",
        "office",
        "opensource",
        "oss",
        "patch",
        "patches",
        "pi",
        "postmaster",
        "robot",
        "root",
        "security",
        "staff",
        "support",
        "svn",
        "team",
        "test",
        "tester",
        "user",
        "users",
        "unknown",
        "webmaster",
        "work",
    ]
)
MIN_LOCAL_PART = 4
LOCAL_HASH_PREFIX = "hmac:"
# Anything shaped like an address, wherever it hides (a title, a path, a label, a bio, a name
# field, a search): a plain or `+tagged` local part, or a quoted one (`"a b"@…`); a domain of
# dotted labels in any script (`bücher.example`, `xn--bcher-kva.example`), `localhost`, or an
# address literal (`[192.0.2.1]`). Symbols such as `foo@PLT` or `memcpy@GLIBC_2.2.5` have no
# such domain and stay. Every part is bounded, so a hostile 100,000-character title costs
# linear time.
ADDRESS = re.compile(
    r"(?:\"[^\"\r\n]{1,64}\"|[\w.%+=-]{1,64})@"
    r"(?:(?:[\w-]{1,63}\.){1,8}(?:xn--[a-z0-9-]{1,59}|[^\W\d_]{2,63})"
    r"|localhost(?![\w-])|\[[0-9a-f:.]{2,45}\])",
    re.IGNORECASE,
)
ADDRESS_PLACEHOLDER = "[address]"
# GitHub Apps end in [bot]; the rest are machine accounts the tracked projects are known to run.
_BOT_LOGINS = re.compile(
    r"(\[bot\]$|-bot$|^bot-|^dependabot|^renovate|^github-actions|^llvmbot$|^llvm-ci$"
    r"|^buildbot|^tvm-bot$|^copybara-service|^mergify|^codecov|^pre-commit-ci)"
)


@dataclass(frozen=True)
class IdentityKey:
    """The stored form of one identity: what goes in `Identity.kind/value/domain`."""

    kind: IdentityKind
    value: str
    domain: str | None = None
    # Hints recorded with the identity for duplicate suggestions; not part of what it is.
    local_hash: str | None = field(default=None, compare=False)
    github_id: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        """`kind:value`, the form stored in `Contribution.identity_key` and typed in commands."""
        return f"{self.kind.value}:{self.value}"


def normalise_email(address: str) -> str:
    """Lower-cased and trimmed: the form that is hashed. Raises ValueError if not an address."""
    normalised = address.strip().lower()
    local, sep, domain = normalised.rpartition("@")
    if not sep or not local or "." not in domain or any(c.isspace() for c in normalised):
        raise ValueError(f"not an email address: {address!r}")
    return normalised


def email_key(address: str, secret: bytes | None = None) -> IdentityKey:
    """`sha256:<hex>` of the normalised address, plus its domain; with the store's `secret`,
    also the keyed hash of its local part that `csf people suggest` compares."""
    normalised = normalise_email(address)
    digest = hashlib.sha256(normalised.encode("utf-8")).hexdigest()
    local_hash = local_part_hash(normalised, secret) if secret is not None else None
    return IdentityKey(
        IdentityKind.EMAIL, HASH_PREFIX + digest, normalised.rpartition("@")[2], local_hash
    )


def normalise_login(login: str) -> str:
    """GitHub logins are case-insensitive; csf stores them lower-cased. Raises ValueError."""
    normalised = login.strip().removeprefix("@").lower()
    if not _LOGIN.match(normalised):
        raise ValueError(f"not a GitHub login: {login!r}")
    return normalised


# A pasted profile link (`https://github.com/ada`, `github.com/ada/`, Slack's `<https://…|…>`).
_PROFILE_URL = re.compile(
    r"^<?(?:https?://)?(?:www\.)?github\.com/([^/|>?#\s]+)/?(?:[|>?#].*)?$", re.IGNORECASE
)


def typed_login(text: str) -> str:
    """The login in what a person typed to name someone: `@ada`, a GitHub profile link, or the
    text unchanged (an address, `#ID`, or a bare login)."""
    text = text.strip()
    match = _PROFILE_URL.match(text)
    if match:
        return match.group(1)
    if text.startswith("@") and "@" not in text[1:]:
        return text[1:]
    return text


def login_key(login: str) -> IdentityKey:
    return IdentityKey(IdentityKind.GITHUB, normalise_login(login))


# Accounts known by a handle alone are name identities under their source's prefix, so they
# never meet a git name or a GitHub login by accident: a review tool's (`Reviewed By: ada` is
# `phabricator:ada`) and a forum's (`discourse:HOST:ada`).
PHABRICATOR_PREFIX = "phabricator:"
DISCOURSE_PREFIX = "discourse:"


def handle_key(handle: str) -> IdentityKey:
    """A review handle's identity (`Reviewed By: Ada` -> `phabricator:ada`)."""
    return IdentityKey(IdentityKind.NAME, f"{PHABRICATOR_PREFIX}{handle.lower()}")


_NAME_SPLIT = re.compile(r"[\W_]+")
_TRAILING_PARENTHETICAL = re.compile(r"\s*\([^()]*\)\s*$")


def without_parenthetical(name: str) -> str:
    """A name without a trailing parenthetical ("Ada Quill (Lab 3)" -> "Ada Quill"): git on
    an organisation's shared machines often signs with the team's or the machine's added."""
    return _TRAILING_PARENTHETICAL.sub("", name)


def name_words(name: str) -> list[str]:
    """A display name's words without case or accents ("Áda B. Quillon" -> ada, b, quillon):
    the form in which two spellings of one person, or a name and a login, are compared."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)
    ).casefold()
    return [w for w in _NAME_SPLIT.split(plain) if w]


def looks_like_handle(word: str) -> bool:
    """Whether a one-word name has a digit, `-` or `_` in it: a handle, hardly anyone's
    given name (`ada-q`, `aq42`), where a plain word (`chris`) may be many people's."""
    return any(c.isdigit() or c in "-_" for c in word)


def spaced_and_run_together(one: Sequence[str], other: Sequence[str]) -> bool:
    """Whether two names' words are one name, once written with spaces and once run together
    (`Ada Quill` beside `AdaQuill` or `adaquill`): at least six letters, so short names that
    happen to join do not."""
    if (len(one) >= 2) == (len(other) >= 2) or not one or not other:
        return False  # both spaced or both run together: compared word by word elsewhere
    joined = "".join(one)
    return len(joined) >= 6 and joined == "".join(other)


def name_key(name: str) -> IdentityKey:
    """A display name with case and inner whitespace folded; a matching hint, never unique."""
    folded = " ".join(name.split()).casefold()
    if not folded:
        raise ValueError("empty name")
    return IdentityKey(IdentityKind.NAME, folded)


@overload
def redact_addresses(text: str) -> str: ...
@overload
def redact_addresses(text: None) -> None: ...
def redact_addresses(text: str | None) -> str | None:
    """`text` with every address replaced by a placeholder.

    Free text from sources (PR titles, commit subjects, paths, labels, bios, names people
    misconfigured as addresses) and from people (a search) is stored for people to read; the
    addresses in it are not needed and are not kept. This is the one redaction every stored
    text goes through (`ContributionRecord`, profiles, owner files, git names, the audit log).
    """
    if not text or "@" not in text:
        return text
    return ADDRESS.sub(ADDRESS_PLACEHOLDER, text)


def map_text(value: Any, change: Callable[[str], str]) -> Any:
    """`value` (a string, or JSON-like lists and dicts of them) with every string changed."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [map_text(item, change) for item in value]
    if isinstance(value, dict):
        return {key: map_text(item, change) for key, item in value.items()}
    return value


def login_from_noreply(address: str) -> str | None:
    """The login behind a GitHub noreply address (`123+login@users.noreply.github.com`)."""
    match = _NOREPLY.match(address.strip().lower())
    return match.group(2) if match else None


def noreply_id(address: str) -> int | None:
    """GitHub's numeric account id in a noreply address; it stays when the login changes."""
    match = _NOREPLY.match(address.strip().lower())
    return int(match.group(1)) if match and match.group(1) else None


def identifying_local_part(address: str) -> str | None:
    """The part of an address before `@` (without a `+tag`), if it could say who someone is.

    None for role and machine names, very short or all-digit ones, and GitHub noreply addresses
    (their login is an identity of its own already).
    """
    try:
        normalised = normalise_email(address)
    except ValueError:
        return None
    local, _, domain = normalised.rpartition("@")
    local = local.split("+", 1)[0].strip(".-_")
    if domain == "users.noreply.github.com" or len(local) < MIN_LOCAL_PART:
        return None
    if local in GENERIC_LOCAL_PARTS or local.isdigit():
        return None
    return local


def local_part_hash(address: str, secret: bytes) -> str | None:
    """A keyed hash of an address's identifying local part, or None (see the function above).

    Keyed with the store's own secret (`StoreKey`) so a hash says only "the same as another
    record here", not which local part it is to anyone holding a list of common ones.
    """
    local = identifying_local_part(address)
    if local is None:
        return None
    return LOCAL_HASH_PREFIX + hmac.new(secret, local.encode("utf-8"), hashlib.sha256).hexdigest()


def looks_like_bot(login: str) -> bool:
    return bool(_BOT_LOGINS.search(login.lower()))


def suppression_hash(key: IdentityKey) -> str:
    """The one-way key under which an erased person's identity is remembered.

    Hashing `kind:value` again (even for already-hashed addresses) means the suppression table
    holds nothing that can be joined back to a login or address without knowing it first.
    """
    digest = hashlib.sha256(f"{key.kind.value}:{key.value}".encode()).hexdigest()
    return HASH_PREFIX + digest
