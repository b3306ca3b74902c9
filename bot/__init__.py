"""csf core: everything but Slack listeners and scheduling; a library the CLI and bot call."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("csf")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
