"""Kinds of identity, apart from the models: readers of sources hash identities in processes
that never open the store, and must not pay for importing SQLAlchemy to do it."""

from __future__ import annotations

from enum import StrEnum


class IdentityKind(StrEnum):
    GITHUB = "github"  # a GitHub login, lower-cased
    EMAIL = "email"  # sha256:<hex> of the normalised address; never the address itself
    NAME = "name"  # a display name as seen in git history: a hint, never unique


__all__ = ["IdentityKind"]
