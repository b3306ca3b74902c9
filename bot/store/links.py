"""Links csf keeps and shows: rebuilt from parsed, allowed parts, never passed on as given.

A URL from data (a PR's `html_url`, a commit's `Differential Revision:` line, a stored row an
older csf wrote) is text anyone could have written: `https://evil.example/phish%7CD123` is a
well-formed URL, and once inside Slack's `<url|label>` a live link under a trusted label. So a
link is kept only when it parses as a page csf knows, on the host allowed for its source, and
is then rebuilt from those parts alone:
- GitHub (`https://github.com`): a profile, a repository, a pull request or issue (with a
  comment or review anchor), a commit; owner, name and numbers checked against GitHub's rules;
- LLVM's Phabricator archive (`https://reviews.llvm.org`): a revision, `D<number>`.
- a public archive (a public-inbox mail list, a Discourse forum) on a host the operator allows
  (`CSF_ARCHIVE_HOSTS`, beside the defaults lore.kernel.org and discourse.llvm.org): its links
  are built by csf from the archive's configured web address and ids (`archive_link`), and a
  link on any other host is refused however it is spelt.
Anything else is no link (shown as plain text, or not at all).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit

GITHUB_WEB = "https://github.com"
PHABRICATOR_WEB = "https://reviews.llvm.org"
# GitHub's own rules: logins are letters, digits and single inner hyphens (39 at most);
# repository names letters, digits, `.`, `_` and `-`.
GITHUB_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\Z")
GITHUB_REPO_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}\Z")
COMMIT_SHA = re.compile(r"[0-9a-fA-F]{7,40}\Z")
_NUMBER = re.compile(r"[0-9]{1,10}\Z")
_ANCHOR = re.compile(r"(?:issuecomment-|pullrequestreview-|discussion_r)[0-9]{1,20}\Z")
_GITHUB_URL = re.compile(
    r"https?://(?:www\.)?github\.com/([^?#\s]*)(?:\?[^#\s]*)?(?:#(\S*))?\Z", re.IGNORECASE
)
# Public archives whose links csf keeps without asking (more in `CSF_ARCHIVE_HOSTS`).
DEFAULT_ARCHIVE_HOSTS = frozenset({"lore.kernel.org", "discourse.llvm.org"})
_HOST = re.compile(
    r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+\Z"
)
# A whole archive link: https, a bare host (no user, port or fragment), and a path and query of
# unreserved characters and percent escapes: nothing that quotes, spaces or closes Slack's
# `<url|label>`.
_ARCHIVE_URL = re.compile(
    r"https://(?P<host>[A-Za-z0-9.-]{1,253})"
    r"(?P<path>(?:/(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})+)*/?)"
    r"(?:\?(?P<query>(?:[A-Za-z0-9._~=&+-]|%[0-9A-F]{2})*))?\Z"
)
_PHABRICATOR_URL = re.compile(r"https?://reviews\.llvm\.org/D([0-9]{1,9})/?\Z", re.IGNORECASE)


@dataclass(frozen=True)
class GitHubPage:
    """A page on GitHub csf links to, from parts that passed GitHub's rules."""

    owner: str  # the account, for a profile
    repo: str | None = None
    kind: str | None = None  # "pull", "issues", "commit"
    ref: str | None = None  # the number, or the commit's sha
    commit: str | None = None  # a commit seen inside a pull request (`pull/N/commits/SHA`)
    anchor: str | None = None  # a comment or review on the page

    @property
    def url(self) -> str:
        parts = [self.owner, self.repo, self.kind, self.ref]
        if self.commit:
            parts += ["commits", self.commit]
        url = GITHUB_WEB + "/" + "/".join(p for p in parts if p)
        return f"{url}#{self.anchor}" if self.anchor else url


def github_page(path: str, anchor: str = "") -> GitHubPage | None:
    """The page a github.com path names (`llvm/llvm-project/pull/12`), or None.

    Trailing parts csf does not link to (`/files`) are left off; an anchor is kept only when
    it is a comment or review.
    """
    parts = [p for p in path.split("/") if p]
    if not parts or not GITHUB_LOGIN.match(parts[0]):
        return None
    kept = anchor if _ANCHOR.match(anchor) else None
    if len(parts) == 1:
        return GitHubPage(parts[0])
    owner, repo, rest = parts[0], parts[1], parts[2:]
    if not GITHUB_REPO_NAME.match(repo) or repo in (".", ".."):
        return None
    if not rest:
        return GitHubPage(owner, repo)
    if len(rest) < 2:
        return None
    kind, ref = rest[0], rest[1]
    if kind in ("pull", "issues") and _NUMBER.match(ref):
        number = str(int(ref))
        if kind == "pull" and len(rest) >= 4 and rest[2] == "commits" and COMMIT_SHA.match(rest[3]):
            return GitHubPage(owner, repo, kind, number, commit=rest[3].lower())
        return GitHubPage(owner, repo, kind, number, anchor=kept)
    if kind == "commit" and COMMIT_SHA.match(ref):
        return GitHubPage(owner, repo, kind, ref.lower())
    return None


def differential_link(value: str | None) -> str | None:
    """`https://reviews.llvm.org/D<n>` for a `Differential Revision:` naming one, else None."""
    match = _PHABRICATOR_URL.match((value or "").strip())
    return f"{PHABRICATOR_WEB}/D{int(match.group(1))}" if match else None


def allowed_link(url: str | None) -> str | None:
    """`url` rebuilt from its parts when it is a link csf keeps and shows, else None."""
    if not url:
        return None
    url = url.strip()
    match = _GITHUB_URL.match(url)
    if match:
        page = github_page(match.group(1), match.group(2) or "")
        return page.url if page is not None else None
    if url.lower().startswith("https://reviews.llvm.org/"):
        return differential_link(url)
    return _archive(url)


_allowed = ""  # CSF_ARCHIVE_HOSTS as the settings read it (from `.env` too)


def allow_archive_hosts(hosts: str | None) -> None:
    """Allow the hosts the settings name (comma-separated), beside the defaults."""
    global _allowed
    _allowed = hosts or ""


def archive_hosts() -> frozenset[str]:
    """The hosts of public archives csf links to: the defaults, the settings' and the process
    environment's `CSF_ARCHIVE_HOSTS`."""
    return _hosts(_allowed, os.environ.get("CSF_ARCHIVE_HOSTS", ""))


@lru_cache(maxsize=8)
def _hosts(*lists: str) -> frozenset[str]:
    named = {h.strip().lower() for text in lists for h in text.split(",") if h.strip()}
    return DEFAULT_ARCHIVE_HOSTS | named


def archive_base(text: str) -> str:
    """An archive's web address (`https://lore.kernel.org/bpf`), checked and normalised.

    Raises ValueError with the reason: not https, a host that is not allowed, or a path that is
    not plain words.
    """
    parts = urlsplit(text.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not _HOST.match(host) or parts.port or parts.username:
        raise ValueError(f"{text!r} is not an https address of a web archive")
    if host not in archive_hosts():
        raise ValueError(
            f"{host} is not an allowed archive host: add it to CSF_ARCHIVE_HOSTS "
            f"(allowed now: {', '.join(sorted(archive_hosts()))})"
        )
    path = "/".join(quote(p, safe="") for p in parts.path.split("/") if p)
    return f"https://{host}/{path}".rstrip("/")


def archive_link(base: str, *parts: str, query: str = "") -> str:
    """A page of a checked archive base (`archive_base`): its parts percent-escaped, so an id
    never adds a path, a query or a Slack link's `|`/`>`. Checked again where it is stored
    (`allowed_link`), like every link."""
    path = "".join("/" + quote(p, safe="") for p in parts if p)
    return f"{base}{path}/" + (f"?{query}" if query else "")


def _archive(url: str) -> str | None:
    found = _ARCHIVE_URL.match(url)
    if found is None:
        return None
    host = found.group("host").lower()
    if host not in archive_hosts() or not _HOST.match(host):
        return None
    query = found.group("query")
    return f"https://{host}{found.group('path')}" + (f"?{query}" if query else "")
