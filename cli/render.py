"""Drawing csf's answers in a terminal: the consoles, progress bars, tables and one-liners.

Every command group prints through `out` (answers, on stdout) and `err` (progress and
complaints, on stderr), so piping `csf who ... --json` stays clean. Untrusted text (names, PR
titles) goes through rich's `escape` before it reaches console markup.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.outreach.roles import RoleFit
from bot.people.view import PersonView
from bot.ranking.who import WhoAnswer, answer_notes
from bot.reports.digest import Digest
from bot.reports.profile import Profile
from slackui.blocks.digest import period_label

out = Console()
err = Console(stderr=True)


def progress(*columns: ProgressColumn) -> Progress:
    """A transient progress display on stderr: what is happening, `columns`, time elapsed."""
    return Progress(
        TextColumn("{task.description}"),
        *columns,
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def pulse() -> tuple[ProgressColumn, ProgressColumn]:
    """A bar that pulses (a sync cannot know its total) and the task's `detail` field."""
    return BarColumn(bar_width=None, pulse_style="cyan"), TextColumn("{task.fields[detail]}")


def print_who(answer: WhoAnswer, region: str | None) -> None:
    """`csf who`: the ranked people with where they are, their score and the evidence."""
    reading = answer.reading
    where = f", {region}" if region else ""
    out.print(f"[bold]{escape(reading.label)}[/bold]  ({window_label(answer)}{where})")
    for note in answer_notes(answer):
        out.print(escape(note))
    if not answer.results:
        if reading.suggestions:
            out.print("no one found; did you mean: " + ", ".join(reading.suggestions))
        elif not reading.tags:
            out.print("no known ecosystem or topic in that query: see `csf topics`")
        else:
            out.print("no one found for that in this window: try --window-days 730")
        return
    table = Table("#", "person", "where", "score", "why", show_lines=True)
    for result in answer.results:
        person = result.person
        shown = PersonView.from_dict(person)
        handle = f"\n@{shown.login}" if shown.login else ""
        place_text = person["location"] or ""
        at = ", ".join(a["name"] for a in person.get("affiliations", []))
        evidence = "".join(
            f"\n  • {e.title} ({e.when:%Y-%m-%d}, {e.size}) {e.url or ''}" for e in result.evidence
        )
        table.add_row(
            str(result.rank),
            escape(shown.label + handle),
            escape(f"{place_text}\n{person['region']}".strip() + (f"\n{at}" if at else "")),
            f"{result.score:.1f}",
            escape(result.reason + evidence),
        )
    out.print(table)


def window_label(answer: WhoAnswer) -> str:
    """The window an answer covers, and when its cached scores were summed, if it used them."""
    label = f"{answer.window_days} days to {answer.as_of:%Y-%m-%d}"
    if answer.scores_as_of is not None:
        label += f", scores from {answer.scores_as_of:%Y-%m-%d %H:%M} UTC"
    return label


def print_profile(shown: Profile, fit: RoleFit) -> None:
    """`csf profile`: who and where, twelve months of activity, topics, evidence, role fit."""
    person = PersonView.from_dict(shown.person)
    handle = f" @{person.login}" if person.login else ""
    out.print(
        f"[bold]{escape(person.label)}[/bold]{escape(handle)}  "
        f"{escape(person.location or 'location unknown')} ({person.region})"
    )
    if person.company:
        out.print(escape(person.company))
    if person.affiliations:
        out.print(
            "affiliations (from email domains)  "
            + escape(", ".join(f"{a['name']} ({a['domain']})" for a in person.affiliations))
        )
    out.print(f"last 12 months  {shown.sparkline}  ({sum(shown.monthly)} contributions)")
    if shown.languages:
        out.print("languages  " + ", ".join(f"{lang} {pct}%" for lang, pct in shown.languages))
    table = Table("topic", "score", "activity", "last active")
    for activity in shown.topics[:10]:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(activity.counts.items()))
        table.add_row(
            f"{activity.topic} ({activity.name})",
            f"{activity.score:.1f}",
            counts,
            f"{activity.last_active:%Y-%m-%d}",
        )
    out.print(table)
    for item in shown.evidence:
        out.print(escape(f"  • {item.title} ({item.when:%Y-%m-%d}, {item.size}) {item.url or ''}"))
    print_role_fit(fit)


def print_role_fit(fit: RoleFit) -> None:
    """How the person fits a role, dimension by dimension, with examples."""
    out.print()
    out.print(f"[bold]{escape(fit.role_name)} fit[/bold]  ({fit.window_days} days of public work)")
    out.print(escape(fit.summary), soft_wrap=True)
    table = Table("dimension", "evidence", "what csf found", show_lines=True)
    for dimension in fit.dimensions:
        found = "\n".join(dimension.findings)
        examples = "".join(f"\n  • {e.title} {e.url or ''}" for e in dimension.examples)
        table.add_row(escape(dimension.name), dimension.rating.label, escape(found + examples))
    out.print(table)


def person_label(person: dict[str, Any]) -> str:
    """`Name @login` for the terminal's one-line mentions of a person."""
    shown = PersonView.from_dict(person)
    return f"{shown.label} @{shown.login}" if shown.login else shown.label


def print_digest(found: Digest) -> None:
    """`csf digest`: the newly active people of a period, by ecosystem, with their evidence."""
    count = len(found.entries)
    out.print(
        f"[bold]Newly active, {period_label(found.period)}[/bold] ({found.period.zone}): "
        f"{count} {'person' if count == 1 else 'people'}"
    )
    if not found.entries:
        out.print("no one crossed the bar in this period")
    for _, entries in found.by_ecosystem():
        out.print(f"\n[bold]{escape(entries[0].ecosystem_name)}[/bold]")
        for rank_number, entry in enumerate(entries, start=1):
            person = entry.person
            where = person.get("location") or person.get("region") or ""
            out.print(
                escape(
                    f"  {rank_number}. {person_label(person)} ({where}) - {entry.topic_name}, "
                    f"score {entry.score:.1f}"
                ),
                soft_wrap=True,
            )
            out.print(escape(f"     {entry.reason}"), soft_wrap=True)
            for item in entry.evidence:
                out.print(
                    escape(
                        f"     • {item.title} ({item.when:%Y-%m-%d}, {item.size}) {item.url or ''}"
                    ),
                    soft_wrap=True,
                )
