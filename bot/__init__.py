"""csf core: everything but Slack listeners and scheduling; a library the CLI and bot call."""

from typing import Any


def __getattr__(name: str) -> Any:
    """`bot.__version__`, read from the installed package only when asked (`csf --version`):
    importlib.metadata costs every command tens of milliseconds at start."""
    if name != "__version__":
        raise AttributeError(f"module 'bot' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("csf")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"
