"""Drawing csf's answers in a terminal: the consoles, progress bars, tables and one-liners.

Every command group prints through `out` (answers, on stdout) and `err` (progress and
complaints, on stderr), so piping `csf who ... --json` stays clean. Both are `SafeConsole`s, the
one place every piece of text passes on its way to the terminal: names, PR titles and bios are
data, so no markup is read from any string (styles are given as `Text` styles), and every
character a terminal would act on (escape sequences, other controls, bidirectional overrides) is
shown as an escape instead. JSON and plain text written past the consoles go through `visible`
and `json_text`, which make the same promise.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.padding import Padding
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from bot.people.view import PersonView
from bot.ranking.who import Evidence, WhoAnswer, answer_notes, empty_hint, namesake_line
from bot.ranking.words import activity as activity_words
from bot.ranking.words import did

if TYPE_CHECKING:  # `csf who` prints neither: their modules load with the commands that do
    from bot.outreach.roles import RoleFit
    from bot.reports.digest import Digest
    from bot.reports.profile import Profile

# What a terminal acts on rather than shows: C0 controls but newline and tab (escape sequences
# start with ESC), DEL, C1 controls (0x9b is a one-byte CSI), and the bidirectional marks,
# embeddings, overrides and isolates that make text read in another order than it is stored.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with every character a terminal would act on written as an escape (`\\x1b`)."""
    return UNSAFE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def json_text(data: Any, indent: int | None = 2) -> str:
    """JSON for the terminal and for programs: the same data, every unsafe character escaped.

    JSON already escapes C0 controls; the rest (C1, bidirectional overrides) can only occur
    inside strings, where `\\uXXXX` decodes to the very same character.
    """
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(data: Any, indent: int | None = 2) -> None:
    sys.stdout.write(json_text(data, indent) + "\n")


def print_plain(text: str = "") -> None:
    """A line as it is (no markup, no wrapping), for text meant to be copied: a draft."""
    sys.stdout.write(visible(text) + "\n")


class SafeConsole(Console):
    """A rich console that never lets data drive the terminal.

    Strings are read without markup or emoji codes, so `[red]` in a name prints as written,
    and are made `visible` before rich measures them, so tables keep their shape. Every segment
    is made visible again on its way out (links included), which covers `Text` built from data
    elsewhere; only rich's own control segments (cursor moves of progress bars) pass as they are.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, **kwargs)

    def indented(self, text: str, indent: int) -> None:
        """`text` wrapped under an indent on a terminal; piped or redirected, one whole line
        (what lands in a file or another program is never wrapped at an imagined 80 columns)."""
        if self.is_terminal:
            self.print(Padding(text, (0, 0, 0, indent), expand=False))
        else:
            self.print(" " * indent + text, soft_wrap=True)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible(text), **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            yield segment if segment.control else _safe(segment)


def _safe(segment: Segment) -> Segment:
    text, style, control = segment
    if style is not None and style.link and UNSAFE.search(style.link):
        style = style.update_link(visible(style.link))
    elif not UNSAFE.search(text):
        return segment
    return Segment(visible(text), style, control)


out = SafeConsole()
err = SafeConsole(stderr=True)


def progress(*columns: ProgressColumn) -> Progress:
    """A transient progress display on stderr: what is happening, `columns`, time elapsed.

    Only on a terminal: piped or logged, it would leave a blank line before any complaint.
    """
    return Progress(
        TextColumn("{task.description}", markup=False),
        *columns,
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def pulse() -> tuple[ProgressColumn, ProgressColumn]:
    """A bar that pulses (a sync cannot know its total) and the task's `detail` field."""
    return BarColumn(bar_width=None, pulse_style="cyan"), TextColumn(
        "{task.fields[detail]}", markup=False
    )


def print_who(answer: WhoAnswer, region: str | None) -> None:
    """`csf who`: the ranked people with where they are, their score and the evidence."""
    reading = answer.reading
    where = f", {region}" if region else ""
    out.print(Text.assemble((reading.label, "bold"), f"  ({window_label(answer)}{where})"))
    for note in answer_notes(answer):
        out.print(note)
    if not answer.results:
        if reading.suggestions:
            out.print("no one found; did you mean: " + ", ".join(reading.suggestions))
        elif not reading.tags:
            out.print("no known ecosystem or topic in that query: see `csf topics`")
        else:
            out.print("no one found: " + empty_hint(answer))
        return
    # One block per person, not a table: a table cell cuts or folds a link mid-way at 80
    # columns; here every link and handle sits whole on a line of its own.
    for result in answer.results:
        person = result.person
        shown = PersonView.from_dict(person)
        at = ", ".join(a["name"] for a in person.get("affiliations", []))
        out.print()
        out.print(
            Text.assemble(
                (f"{result.rank}. {shown.label}", "bold"),
                f" {shown.handle}" if shown.label != shown.handle else "",
                f"  {shown.where}",
                f"  {at}" if at else "",
                f"  score {result.score:.1f}",
            ),
            soft_wrap=True,
        )
        if shown.career_line:
            out.indented(shown.career_line, 3)
        out.indented(result.reason, 3)
        if same := namesake_line(result):
            out.indented(same, 3)
        print_evidence(result.evidence, indent=3)


def window_label(answer: WhoAnswer) -> str:
    """The window an answer covers, and when its cached scores were summed, if it used them."""
    label = f"{answer.window_days} days to {answer.as_of:%Y-%m-%d}"
    if answer.scores_as_of is not None:
        label += f", scores from {answer.scores_as_of:%Y-%m-%d %H:%M} UTC"
    return label


def print_profile(shown: Profile, fit: RoleFit) -> None:
    """`csf profile`: who and where, twelve months of activity, topics, evidence, role fit."""
    person = PersonView.from_dict(shown.person)
    handle = " " + person.handle
    out.print(
        Text.assemble(
            (person.label, "bold"),
            f"{handle}  {person.where}",
        )
    )
    if person.region_why:
        out.print(f"where: {person.region_why}", soft_wrap=not out.is_terminal)
    if person.career_line:
        out.print(f"over time: {person.career_line}", soft_wrap=not out.is_terminal)
    if person.company:
        out.print(person.company)
    if person.affiliations:
        out.print(
            "affiliations (from email domains)  "
            + ", ".join(f"{a['name']} ({a['domain']})" for a in person.affiliations)
        )
    out.print(f"last 12 months  {shown.sparkline}  ({sum(shown.monthly)} contributions)")
    if shown.languages:
        out.print("languages  " + ", ".join(f"{lang} {pct}%" for lang, pct in shown.languages))
    table = Table("topic", "score", "activity", "last active")
    for activity in shown.topics[:10]:
        counts = activity_words(activity.counts)
        table.add_row(
            f"{activity.topic} ({activity.name})",
            f"{activity.score:.1f}",
            counts,
            f"{activity.last_active:%Y-%m-%d}",
        )
    out.print(table)
    print_evidence(shown.evidence, indent=2)
    print_role_fit(fit)


def print_role_fit(fit: RoleFit) -> None:
    """How the person fits a role, dimension by dimension, with examples."""
    out.print()
    heading = (f"{fit.role_name} fit", "bold")
    out.print(Text.assemble(heading, f"  ({fit.window_days} days of public work)"))
    out.print(fit.summary, soft_wrap=True)
    table = Table("dimension", "evidence", "what csf found", show_lines=True)
    for dimension in fit.dimensions:
        table.add_row(dimension.name, dimension.rating.label, "\n".join(dimension.findings))
    out.print(table)
    # The examples below the table, each link whole on its own line.
    for dimension in fit.dimensions:
        if dimension.examples:
            out.print(Text(f"{dimension.name}, for example:", style="bold"))
            for example in dimension.examples:
                out.indented(f"• {example.title}", 2)
                if example.url:
                    out.print(f"    {example.url}", soft_wrap=True)


def print_evidence(items: Sequence[Evidence], indent: int) -> None:
    """`• authored Title (date, size)`, wrapped to the terminal, then its link whole on a
    line of its own (never cut with "…" or folded mid-hash; piped, the same)."""
    for item in items:
        size = f", {item.size}" if item.size else ""
        line = f"• {did(item)} {item.title} ({item.when:%Y-%m-%d}{size})"
        out.indented(line, indent)
        if item.url:
            out.print(" " * (indent + 2) + item.url, soft_wrap=True)


def evidence_text(item: Evidence) -> str:
    """`authored Title (date, size) URL`: what they did, on what, how big, where to see it."""
    size = f", {item.size}" if item.size else ""
    return f"{did(item)} {item.title} ({item.when:%Y-%m-%d}{size}) {item.url or ''}".strip()


def person_label(person: dict[str, Any]) -> str:
    """`Name @login` (or `Name #ID`) for the terminal's one-line mentions of a person."""
    shown = PersonView.from_dict(person)
    return f"{shown.label} {shown.handle}" if shown.label != shown.handle else shown.label


def print_digest(found: Digest) -> None:
    """`csf digest`: the newly active people of a period, by ecosystem, with their evidence."""
    from slackui.blocks.digest import period_label

    count = len(found.entries)
    out.print(
        Text.assemble(
            (f"Newly active, {period_label(found.period)}", "bold"),
            f" ({found.period.zone}): {count} {'person' if count == 1 else 'people'}",
        )
    )
    if not found.entries:
        out.print("no one crossed the bar in this period")
    for _, entries in found.by_ecosystem():
        out.print(Text.assemble("\n", (entries[0].ecosystem_name, "bold")))
        for rank_number, entry in enumerate(entries, start=1):
            person = entry.person
            where = person.get("location") or person.get("region") or ""
            out.print(
                f"  {rank_number}. {person_label(person)} ({where}) - {entry.topic_name}, "
                f"score {entry.score:.1f}",
                soft_wrap=True,
            )
            out.print(f"     {entry.reason}", soft_wrap=True)
            for item in entry.evidence:
                out.print(f"     • {evidence_text(item)}", soft_wrap=True)
