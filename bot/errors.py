"""Errors a person can act on.

Every failure that a user of csf can fix themselves (a bad setting, a broken data file, a store
that needs migrating) is raised as a `CsfError`, whose message is one line that says what is
wrong and what to do. The entry points print that line instead of a traceback.
"""


class CsfError(Exception):
    """A failure with a one-line, human-readable explanation."""


class ConfigError(CsfError):
    """A setting from the environment is missing or malformed."""


class TaxonomyError(CsfError):
    """The taxonomy file is malformed; the message names the file and line."""


class StoreNotMigratedError(CsfError):
    """The database schema is missing or older than this version of csf."""


class StoreUnavailableError(CsfError):
    """The database cannot be reached or opened."""


class DataFileError(CsfError):
    """A team-edited data file (role profiles, company profile) is malformed; names file:line."""


class BusyError(CsfError):
    """Another process is doing the same work (an ingest or a sync of the same repository)."""
