"""Text as it enters csf from any source: no NUL, no lone surrogates, no unbounded values.

JSON may carry `\u0000` and unpaired `\ud800` escapes; PostgreSQL rejects the first in text
columns and every UTF-8 encoder rejects the second. A GitHub title or location holding either
once made the page's transaction fail at every later sync. Cleaning happens once, where the
payload is decoded, so every field of every answer is safe on both stores alike.
"""

from __future__ import annotations

import re
from typing import Any

# No single field csf stores needs more; a bio or title beyond this is hostile or broken.
MAX_TEXT = 100_000
_NUL_AND_SURROGATES = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without NUL, with lone surrogates replaced (U+FFFD), cut at MAX_TEXT."""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    if _NUL_AND_SURROGATES.search(text) is None:
        return text
    return _NUL_AND_SURROGATES.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def clean_json(value: Any) -> Any:
    """A decoded JSON document with every string (keys too) cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_json(v) for k, v in value.items()}
    return value
