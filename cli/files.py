"""Files the operator names (`people export --out`, `map --png`): written whole, or not at all.

An export holds personal data, so the file must be readable by the operator alone from its first
byte, never half-written, and never written through a link someone else placed: the bytes go to
a new temporary file in the same folder (created exclusively, mode 600 for private data), are
synced to disk, and the file is then renamed over the name asked for. An existing file is kept
unless `--force` says to replace it; a symbolic link is refused even then. Every refusal and
every failure of the disk is one line naming the file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from bot.errors import CsfError

PRIVATE = 0o600  # personal data: the operator alone
PUBLIC = 0o666  # anything else: as the umask allows, like any new file


def check_target(path: Path, *, force: bool, if_exists: str = "pass --force to replace it") -> None:
    """Refuse, before any work is done, a name csf will not write to.

    `if_exists` is the way out offered when the file is there already.
    """
    try:
        found = path.lstat()
    except FileNotFoundError:
        found = None
    except OSError as error:
        raise CsfError(f"cannot write {path}: {error.strerror}") from None
    if found is not None:
        if stat.S_ISLNK(found.st_mode):
            raise CsfError(
                f"cannot write {path}: it is a symbolic link, and csf does not write through "
                "links; name the file itself"
            )
        if stat.S_ISDIR(found.st_mode):
            raise CsfError(f"cannot write {path}: it is a folder; name a file")
        if not stat.S_ISREG(found.st_mode):
            raise CsfError(f"cannot write {path}: it is not a regular file")
        if not force:
            raise CsfError(f"cannot write {path}: it already exists ({if_exists})")
    folder = path.parent
    if not folder.is_dir():
        raise CsfError(f"cannot write {path}: there is no folder {folder}")


def write_file(path: Path, data: bytes, *, force: bool, mode: int = PUBLIC) -> None:
    """Write `data` to `path` atomically, with `mode` from the moment the file exists."""
    check_target(path, force=force)
    # A short name of its own: the name asked for may already be as long as the system allows.
    temporary = path.with_name(f".csf-{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(temporary, flags, mode)
    except OSError as error:
        raise CsfError(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        check_target(path, force=force)  # nothing appeared at the name meanwhile
        os.replace(temporary, path)  # replaces a name, never follows one
    except BaseException as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(error, OSError):
            raise CsfError(f"cannot write {path}: {error.strerror}") from None
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (where the platform can sync a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
