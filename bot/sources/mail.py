"""Mailing-list archives in public-inbox's v2 layout (lore.kernel.org and its mirrors), read.

An inbox is a folder of git repositories, `git/0.git`, `git/1.git`, … (epochs, by time); each
commit of an epoch adds one message as the blob `m` of its tree, or records a removal by holding
the removed message as the blob `d` instead (public-inbox-v2-format(5)). Epochs are read in
order, each with one `git log --raw` whose blob ids a second git process (`cat-file --batch`)
turns into messages while the first keeps running: the archive is streamed, never held.

What a message says is read here, without a store: whether it is a patch (`[PATCH v2 3/5]
subsystem: subject`, with the files its diff touches and the files it creates), a cover letter,
or a reply (its own `Reviewed-by:`/`Acked-by:`/`Tested-by:` lines and whether it comments
inline on a quoted diff). Hostile bytes are handled here: non-UTF-8 headers, RFC 2047 words,
NUL, broken dates and encodings each give their best reading, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email
import hashlib
import queue
import quopri
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from bot.errors import CsfError
from bot.sources.aside import aside
from bot.sources.git import GitIdent, check_repository
from bot.sources.text import clean_text

MAX_MESSAGE = 8 << 20  # bytes of one message read; beyond it the rest is not read
_EPOCH = re.compile(r"\A([0-9]{1,6})\.git\Z")
_PATCH_SUBJECT = re.compile(
    r"\A\s*\[(?P<tags>[^\]]*\bPATCH\b[^\]]*)\]\s*(?P<title>.*)\Z", re.I | re.S
)
_REPLY = re.compile(r"\A\s*(?:(?:re|aw|sv|antw)\s*:\s*)+", re.I)
_VERSION = re.compile(r"\bv([0-9]{1,3})\b", re.I)
_INDEX = re.compile(r"\b([0-9]{1,4})/([0-9]{1,4})\b")
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,995})>")
# One run of "not `<`" before the address: no two quantifiers can split the same spaces, so a
# hostile line of thousands of spaces is read in linear time (the name is stripped afterwards).
_TRAILER = re.compile(
    r"\A(reviewed-by|acked-by|tested-by):(?P<name>[^<]*)<(?P<email>[^<>\s]+)>", re.I
)
MAX_LINE = 2000  # characters of a reply line looked at; review lines are far shorter
_QUOTED_DIFF = re.compile(r"\A>[>\s]*(?:[+\-](?![+\-]{2}\s)|@@ |diff --git )")
_ATTRIBUTION = re.compile(r"\A(?:on .{0,200}wrote:|.{0,200} writes:)\s*\Z", re.I)
_WORD = re.compile(r"[A-Za-z]{2,}")
_FROM = re.compile(r'\A(?P<name>[^<>",@]*|"[^"<>]*")\s*<(?P<address>[^<>@\s]+@[^<>@\s]+)>\s*\Z')
_SECTION = re.compile(r"^diff --git ", re.M)
_PLAIN_SECTION = re.compile(r"^\+\+\+ b/", re.M)
_NAMES = re.compile(r"a/(?P<a>.+?) b/(?P<b>.+)\Z")
_ADDED = re.compile(r"^\+", re.M)
_DELETED = re.compile(r"^-", re.M)
_ADDED_PLAIN = re.compile(r"^\+(?!\+\+ )", re.M)
_DELETED_PLAIN = re.compile(r"^-(?!-- )", re.M)
# Own words a reply needs beside a quoted diff to be review, not "thanks" or "+1".
INLINE_WORDS = 12


class MailArchiveError(CsfError):
    """The folder is not a public-inbox v2 archive, or git could not read it."""


@dataclass(frozen=True)
class ArchiveCursor:
    """Where a reading stopped: the epoch and the last commit read in it."""

    epoch: int
    commit: str


@dataclass
class PatchFile:
    path: str
    added: int = 0
    deleted: int = 0
    created: bool = False


@dataclass
class Mail:
    """One message of an archive, read: who sent it, when, and what kind of work it is."""

    epoch: int
    commit: str  # the epoch's commit that added (or removed) it
    message_id: str  # without angle brackets; may hold an address (never stored as such)
    sender: GitIdent
    sent_at: datetime
    utc_offset: int | None  # minutes east of UTC the sender's Date carried
    subject: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    removed: bool = False  # the archive removed this message (a `d` commit)
    # A patch: its title without the `[PATCH …]` tags, version, place in its series.
    patch_title: str | None = None
    version: int = 1
    index: int | None = None  # n of n/m; 0 is the cover letter
    total: int | None = None
    files: list[PatchFile] = field(default_factory=list)
    # A reply: the review lines its sender wrote, and whether it reviews a diff inline.
    trailers: list[str] = field(default_factory=list)  # "reviewed-by", "acked-by", "tested-by"
    inline_review: bool = False

    @property
    def is_patch(self) -> bool:
        return self.patch_title is not None and self.index != 0 and not self.is_reply

    @property
    def is_cover(self) -> bool:
        return self.patch_title is not None and self.index == 0 and not self.is_reply

    @property
    def is_reply(self) -> bool:
        return bool(_REPLY.match(self.subject))

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]


def message_hash(message_id: str) -> str:
    """A one-way key for a Message-ID (they often hold the sender's address)."""
    return hashlib.sha256(message_id.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]


def epochs(path: Path) -> list[tuple[int, Path]]:
    """The archive's epochs in order; a clear error for a folder that is not such an archive."""
    root = path / "git"
    found = (
        sorted(
            (int(m.group(1)), child)
            for child in root.iterdir()
            if (m := _EPOCH.match(child.name)) and child.is_dir()
        )
        if root.is_dir()
        else []
    )
    if not found:
        raise MailArchiveError(
            f"{path} is not a public-inbox v2 archive: it has no git/0.git, git/1.git, … "
            "(clone one with `git clone --mirror https://lore.kernel.org/LIST/0 LIST/git/0.git`)"
        )
    return found


def read_messages(
    path: Path, *, after: ArchiveCursor | None = None, problems: list[str] | None = None
) -> Iterator[Mail]:
    """Every message added (or removed) after `after`, oldest first, epoch by epoch."""
    for number, epoch in epochs(path):
        if after is not None and number < after.epoch:
            continue
        if not check_repository(epoch):
            continue
        since = after.commit if after is not None and number == after.epoch else None
        yield from _read_epoch(number, epoch, since, problems)


def read_messages_aside(
    path: Path, *, after: ArchiveCursor | None = None, problems: list[str] | None = None
) -> Iterator[Mail]:
    """`read_messages`, read and parsed in a child process (`bot.sources.aside`), so parsing
    runs beside whatever the caller does with each message."""
    epoch, commit = (after.epoch, after.commit) if after is not None else (None, None)
    for kind, item in aside(f"{__name__}:_read_for_parent", str(path), epoch, commit):
        if kind == "mail":
            yield item
        elif problems is not None:
            problems.append(item)


def _read_for_parent(
    path: str, epoch: int | None, commit: str | None
) -> Iterator[tuple[str, Mail | str]]:
    """The child's side of `read_messages_aside`: each message, and each problem met."""
    problems: list[str] = []
    after = ArchiveCursor(epoch, commit) if epoch is not None and commit is not None else None
    for mail in read_messages(Path(path), after=after, problems=problems):
        yield from (("problem", problem) for problem in problems)
        problems.clear()
        yield "mail", mail
    yield from (("problem", problem) for problem in problems)


def _read_epoch(
    number: int, epoch: Path, since: str | None, problems: list[str] | None
) -> Iterator[Mail]:
    walk = f"{since}..HEAD" if since else "HEAD"
    log = _git(
        epoch, "log", "--reverse", "--root", "--raw", "--no-abbrev", "--no-renames",
        "--format=%x00%H %ct", walk,
    )  # fmt: skip
    blobs = _git(epoch, "cat-file", "--batch", stdin=True)
    wanted: queue.Queue[tuple[str, int, bool] | BaseException | None] = queue.Queue(maxsize=4096)
    feeder = threading.Thread(target=_feed, args=(log, blobs, wanted), daemon=True)
    feeder.start()
    assert blobs.stdout is not None
    try:
        while True:
            item = wanted.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise MailArchiveError(f"{epoch}: could not read the epoch ({item})")
            commit, committed, removed = item
            header = blobs.stdout.readline()
            parts = header.split()
            if len(parts) != 3 or parts[1] != b"blob":
                if problems is not None:
                    problems.append(f"{epoch.name} {commit[:12]}: message missing from the epoch")
                continue
            size = int(parts[2])
            raw = blobs.stdout.read(size)
            blobs.stdout.read(1)  # the newline after each object
            when = datetime.fromtimestamp(committed, UTC)
            message = parse_message(raw[:MAX_MESSAGE], epoch=number, commit=commit, received=when)
            if message is None:
                if problems is not None:
                    problems.append(f"{epoch.name} {commit[:12]}: no Message-ID or sender, skipped")
                continue
            message.removed = removed
            yield message
    finally:
        for process in (log, blobs):
            if process.poll() is None:
                process.kill()
            process.wait()
        feeder.join(timeout=5)
    if log.returncode not in (0, -9) and since is not None:
        raise MailArchiveError(
            f"{epoch}: the last read commit {since[:12]} is not in this epoch any more "
            "(archive rewritten?): rerun with --full"
        )


def _git(path: Path, *args: str, stdin: bool = False) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            ["git", "-C", str(path), *args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=1 << 16,
        )
    except OSError as error:
        raise MailArchiveError(f"could not run git: {error}") from error


def _feed(
    log: subprocess.Popen[bytes],
    blobs: subprocess.Popen[bytes],
    wanted: queue.Queue[tuple[str, int, bool] | BaseException | None],
) -> None:
    """Reads `git log --raw`, asks `cat-file` for each commit's message blob, and says which
    commit each answer belongs to, in order; runs beside the reader so neither git waits."""
    assert log.stdout is not None
    assert blobs.stdin is not None
    commit, committed = "", 0
    try:
        for line in log.stdout:
            if line.startswith(b"\x00"):
                sha, _, when = line[1:].strip().partition(b" ")
                commit, committed = sha.decode("ascii"), int(when or 0)
                continue
            if not line.startswith(b":"):
                continue
            meta, _, name = line.rstrip(b"\n").partition(b"\t")
            fields = meta.split()
            if len(fields) < 5 or name not in (b"m", b"d") or fields[4][:1] not in (b"A", b"M"):
                continue
            blobs.stdin.write(fields[3] + b"\n")
            blobs.stdin.flush()
            wanted.put((commit, committed, name == b"d"))
        wanted.put(None)
    except (OSError, ValueError) as error:  # the reader stopped early and closed the pipes
        wanted.put(error)
    finally:
        with contextlib.suppress(OSError):
            blobs.stdin.close()


# -- one message ------------------------------------------------------------------------------


def parse_message(
    raw: bytes, *, epoch: int = 0, commit: str = "", received: datetime | None = None
) -> Mail | None:
    """A message read from its raw bytes; None when it has no Message-ID or no sender."""
    head, body = _split(raw)
    headers = _headers(head)
    found = _MESSAGE_ID.search(headers.get("message-id", ""))
    sender = _sender(headers.get("from", ""))
    if not found or sender is None:
        return None
    name, address = sender
    sent_at, offset = _date(headers.get("date", ""), received)
    subject = " ".join(headers.get("subject", "").split())
    message = Mail(
        epoch=epoch,
        commit=commit,
        message_id=found.group(1),
        sender=GitIdent(clean_text(name).strip(), address.strip()),
        sent_at=sent_at,
        utc_offset=offset,
        subject=subject,
        in_reply_to=_first_id(headers.get("in-reply-to", "")),
        references=tuple(_MESSAGE_ID.findall(headers.get("references", "")))[-50:],
    )
    patch = _PATCH_SUBJECT.match(subject)
    if patch and not message.is_reply:
        tags = patch.group("tags")
        message.patch_title = patch.group("title").strip()[:500]
        version = _VERSION.search(tags)
        message.version = int(version.group(1)) if version else 1
        index = _INDEX.search(tags)
        if index:
            message.index, message.total = int(index.group(1)), int(index.group(2))
    text = _body_text(raw, headers, body)
    if message.is_patch:
        message.files = _diff_files(text)
    elif message.is_reply:
        message.trailers, message.inline_review = _review(text, message.sender)
    return message


def _sender(value: str) -> tuple[str, str] | None:
    """(name, address) of a From header: the common `Name <address>` read directly, anything
    else by the email package's parser."""
    plain = _FROM.match(value)
    if plain:
        return plain.group("name").strip().strip('"'), plain.group("address")
    senders = getaddresses([value])
    if not senders or "@" not in senders[0][1]:
        return None
    return senders[0]


def _split(raw: bytes) -> tuple[bytes, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(separator)
        if at >= 0:
            return raw[:at], raw[at + len(separator) :]
    return raw, b""


def _headers(head: bytes) -> dict[str, str]:
    """The headers csf reads, unfolded and decoded (the first of each); never raises."""
    headers: dict[str, str] = {}
    name = ""
    for line in head.replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t") and name:
            headers[name] += " " + _decoded(line.strip())
            continue
        key, colon, value = line.partition(b":")
        if not colon:
            name = ""
            continue
        name = key.strip().decode("ascii", "replace").lower()
        if name in headers:
            name = ""  # the first one counts
            continue
        headers[name] = _decoded(value.strip())
    return {key: _words(value) for key, value in headers.items()}


def _decoded(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # 8-bit headers from old mailers: one byte, one letter


def _words(value: str) -> str:
    """RFC 2047 encoded words (`=?UTF-8?q?…?=`) decoded; the value as it is when they are broken."""
    if "=?" in value:
        with contextlib.suppress(ValueError, LookupError, UnicodeError, binascii.Error):
            value = str(make_header(decode_header(value)))
    return clean_text(value)[:2000]


def _first_id(value: str) -> str | None:
    found = _MESSAGE_ID.search(value)
    return found.group(1) if found else None


def _date(value: str, received: datetime | None) -> tuple[datetime, int | None]:
    fallback = received or datetime.now(UTC)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return fallback, None
    if not 1990 <= when.year <= fallback.year + 1:
        return fallback, None  # a date far in the past or future: when the archive got it
    if when.tzinfo is None:  # `-0000`: the time is UTC, the sender's clock unknown
        return when.replace(tzinfo=UTC), None
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if abs(minutes) > 18 * 60:
        return fallback, None
    return when.astimezone(UTC), minutes


def _body_text(raw: bytes, headers: dict[str, str], body: bytes) -> str:
    """The message's text: its first text/plain part, transfer encoding and charset undone."""
    kind = headers.get("content-type", "text/plain").lower()
    if kind.startswith("multipart/"):
        parsed = email.message_from_bytes(raw, policy=compat32)
        for part in parsed.walk():
            if part.get_content_type() == "text/plain":
                return _payload(part)
        return ""
    encoding = headers.get("content-transfer-encoding", "").strip().lower()
    try:
        if encoding == "quoted-printable":
            body = quopri.decodestring(body)
        elif encoding == "base64":
            body = base64.b64decode(body, validate=False)
    except (ValueError, binascii.Error):
        pass
    return _charset_text(body, _charset(kind))


def _payload(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _charset_text(payload, part.get_content_charset() or "utf-8")


def _charset(content_type: str) -> str:
    found = re.search(r'charset\s*=\s*"?([A-Za-z0-9_.:-]{1,40})', content_type)
    return found.group(1) if found else "utf-8"


def _charset_text(data: bytes, charset: str) -> str:
    """Bytes in the charset a message names; UTF-8 when that charset is unknown or cannot
    decode with replacement (`idna` refuses the "replace" handler)."""
    try:
        return clean_text(data.decode(charset, "replace"))
    except (LookupError, UnicodeError):
        return clean_text(data.decode("utf-8", "replace"))


def _diff_files(text: str) -> list[PatchFile]:
    """The files a patch's diff touches, with lines added and deleted and files it creates.

    Counted per file section with regular expressions rather than line by line: an archive has
    hundreds of thousands of diffs, and this is the costliest part of reading a message.
    """
    files: dict[str, PatchFile] = {}
    at = text.find("\ndiff --git ")
    added, deleted = _ADDED, _DELETED
    if at >= 0:
        sections = _SECTION.split(text[at + 1 :])[1:]
    else:  # a diff without `diff --git` headers: sections start at `+++ b/`, and the next
        # file's `--- a/` line ends the one before
        at = text.find("\n+++ b/")
        if at < 0:
            return []
        sections = _PLAIN_SECTION.split(text[at + 1 :])[1:]
        added, deleted = _ADDED_PLAIN, _DELETED_PLAIN
    for section in sections:
        header, _, rest = section.partition("\n")
        names = _NAMES.match(header)
        path = (names.group("b") if names else header).strip()
        if not path or "\x00" in path:
            continue
        hunks = rest.find("@@")
        head, body = (rest, "") if hunks < 0 else (rest[:hunks], rest[hunks:])
        end = body.find("\n-- \n")  # the signature after the diff
        if end >= 0:
            body = body[:end]
        found = files.setdefault(path, PatchFile(path))
        found.created = found.created or "new file mode" in head
        found.added += len(added.findall(body))
        found.deleted += len(deleted.findall(body))
        if len(files) >= 3000:
            break
    return list(files.values())


def _review(text: str, sender: GitIdent) -> tuple[list[str], bool]:
    """The review lines the sender wrote themself (not quoted, naming them) and whether the
    reply comments on a quoted diff with words of its own."""
    trailers: list[str] = []
    quoted_diff = 0
    own_words = 0
    address = sender.email.strip().lower()
    name = sender.name.strip().casefold()
    for line in text.splitlines():
        stripped = line[:MAX_LINE].strip()
        if stripped == "--":
            break  # the signature
        if stripped.startswith(">"):
            if _QUOTED_DIFF.match(stripped):
                quoted_diff += 1
            continue
        trailer = _TRAILER.match(stripped)
        if trailer:
            mine = trailer.group("email").lower() == address or (
                bool(name) and trailer.group("name").strip().casefold() == name
            )
            if mine and trailer.group(1).lower() not in trailers:
                trailers.append(trailer.group(1).lower())
            continue
        if _ATTRIBUTION.match(stripped):
            continue
        if quoted_diff:
            own_words += len(_WORD.findall(stripped))
    return trailers, quoted_diff > 0 and own_words >= INLINE_WORDS
