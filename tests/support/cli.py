"""The `csf` command run as a person runs it: a real process in a folder of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.config import ENV_NAMES


def csf(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES.values()}
    clean.update({"COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
