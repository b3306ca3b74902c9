"""What the Share and More buttons of a `who` answer carry: the query, its options and a page.

One codec, so the button value is written and read in one place. The format is the one csf
has always posted, `{"q": "WORDS --option value…", "page": N}`, so buttons on messages already
in Slack keep working. Query words never start with `--` and a letter (the `/csf` parser reads
such a word as an option), so the options can be split off the end again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

_OPTION = re.compile(r"^--[a-z][a-z-]*$")


@dataclass(frozen=True)
class WhoState:
    """A `who` question and the page of its answer being shown."""

    query: str  # the words asked about, e.g. "mlir bufferization"
    options: dict[str, str] = field(default_factory=dict)  # e.g. {"region": "uk"}
    page: int = 1

    def next_page(self) -> WhoState:
        return replace(self, page=self.page + 1)


def encode_who_state(state: WhoState) -> str:
    """The button value for `state` (compact JSON; well under Slack's 2,000 characters)."""
    text = state.query + "".join(f" --{k} {v}" for k, v in sorted(state.options.items()))
    return json.dumps({"q": text, "page": state.page}, separators=(",", ":"))


def decode_who_state(value: str) -> WhoState:
    """The state a button value carries; `ValueError` when it is not one csf wrote."""
    try:
        data = json.loads(value)
        text, page = str(data["q"]), int(data["page"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"not a who state: {value[:80]!r}") from error
    words: list[str] = []
    options: dict[str, str] = {}
    tokens = iter(text.split())
    for token in tokens:
        if _OPTION.match(token):
            options[token[2:]] = next(tokens, "")
        else:
            words.append(token)
    return WhoState(" ".join(words), options, page)
