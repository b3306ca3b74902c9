"""Who is who: `csf people` shows, suggests, merges and splits people; exports or forgets one."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.config import load_settings
from bot.errors import CsfError
from bot.people import curation as people
from bot.people import privacy
from bot.people.suggest import suggest
from cli.app import CLI_ACTOR, app, open_store, refresh_cache
from cli.files import PRIVATE, check_target, write_file
from cli.render import err, json_text, out, print_json

people_app = typer.Typer(
    help="See and correct who is who; export or forget a person.", no_args_is_help=True
)
app.add_typer(people_app, name="people")


@people_app.command("show")
def people_show(person: Annotated[str, typer.Argument(help="login, address or #ID")]) -> None:
    """Show the identities csf holds for a person (addresses only as hashes)."""
    settings = load_settings()
    with open_store(settings) as session:
        found = people.find(session, person)
        out.print(f"#{found.id} {found.name or ''} {('@' + found.login) if found.login else ''}")
        # One identity per line, whole: `people split` takes these exactly as shown, so a
        # table that cut a 64-digit hash with "…" at 80 columns would make it useless.
        for identity in people.identities(session, found):
            domain = f"  ({identity.domain})" if identity.domain else ""
            out.print(
                f"  {identity.kind}:{identity.value}{domain}  seen {identity.seen_at:%Y-%m-%d}",
                soft_wrap=True,
            )


@people_app.command("suggest")
def people_suggest(
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most this many.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
    repo: Annotated[
        str | None, typer.Option("--repo", help="Only people with work in OWNER/NAME.")
    ] = None,
) -> None:
    """List records that look like one person, with the evidence; nothing is merged."""
    if limit < 1:
        raise CsfError(f"--limit {limit}: give a number of suggestions, 1 or more")
    settings = load_settings()
    with open_store(settings) as session:
        found = suggest(session, repo=repo, limit=limit)
    if as_json:
        print_json([s.to_dict() for s in found])
        return
    if not found:
        out.print("no likely duplicates found", highlight=False)
        return
    out.print(
        f"{len(found)} likely duplicate{'s' if len(found) > 1 else ''}, strongest evidence first; "
        "check the work before merging, equal names alone are weak evidence",
        highlight=False,
        soft_wrap=True,
    )
    for number, suggestion in enumerate(found, start=1):
        out.print()
        lead = f"{number}. {suggestion.strength.label}"
        for index, member in enumerate(suggestion.people):
            work = f"{member.contributions} contribution{'' if member.contributions == 1 else 's'}"
            keep = "  (keep)" if index == 0 else ""
            prefix = lead if index == 0 else " " * len(lead)
            out.print(f"{prefix}  {member.label} ({work}){keep}", highlight=False, soft_wrap=True)
        for evidence in suggestion.evidence:
            out.print(
                f"   - {evidence.strength.label}: {evidence.text}",
                highlight=False,
                soft_wrap=True,
            )
        for command in suggestion.merge_commands():
            out.print(f"   accept: {command}", highlight=False, soft_wrap=True)


@people_app.command("mark")
def people_mark(
    person: Annotated[str, typer.Argument(help="login, address or #ID")],
    is_person: Annotated[
        bool,
        typer.Option(
            "--person/--not-person",
            help="A person (ranked), or a tool, AI assistant, bot or pseudo-author (never ranked).",
        ),
    ],
) -> None:
    """Correct csf's not-people rules for one record; later ingests keep the mark."""
    settings = load_settings()
    with open_store(settings) as session:
        found = people.mark(session, people.find(session, person), is_person=is_person)
        what = "a person, ranked" if is_person else "not a person, never ranked"
        out.print(f"#{found.id} {found.name or found.login or ''} is now {what}")


@people_app.command("merge")
def people_merge(
    keep: Annotated[str, typer.Argument(help="the person to keep (login, address or #ID)")],
    drop: Annotated[str, typer.Argument(help="the person merged into it")],
) -> None:
    """Join two records of one person; later syncs and ingests keep them joined."""
    settings = load_settings()
    with open_store(settings) as session:
        kept = people.merge(
            session, people.find(session, keep), people.find(session, drop), actor=CLI_ACTOR
        )
        out.print(f"merged {drop} into #{kept.id}")
        refresh_cache(session, settings)  # cached answers would still rank the two apart


@people_app.command("split")
def people_split(
    person: Annotated[str, typer.Argument(help="login, address or #ID")],
    identity: Annotated[
        list[str], typer.Argument(help="identities to move out, as `csf people show` lists them")
    ],
) -> None:
    """Move identities, and the work seen under them, from a person to a new person."""
    settings = load_settings()
    with open_store(settings) as session:
        new = people.split(session, people.find(session, person), identity, actor=CLI_ACTOR)
        out.print(f"moved {len(identity)} identities to new person #{new.id}")
        refresh_cache(session, settings)


@people_app.command("forget")
def people_forget(
    person: Annotated[
        str, typer.Argument(help="GitHub login, address or #ID (an unknown address still works)")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person for good and keep them out of every later sync and ingest."""
    settings = load_settings()
    with open_store(settings) as session:
        plan = privacy.plan_forget(session, person)
        out.print(plan.summary(), soft_wrap=True, highlight=False)
        if not yes and not _confirm("Erase for good? This cannot be undone"):
            raise CsfError("nothing erased (confirm, or pass --yes)")
        report = privacy.forget(session, person, actor=CLI_ACTOR)
        what = "erased and suppressed" if report.person_found else "suppressed"
        out.print(
            f"{what} ({report.suppressed} identities newly suppressed); audit reference "
            f"{report.reference}",
            soft_wrap=True,
            highlight=False,
        )


@people_app.command("export")
def people_export(
    person: Annotated[str, typer.Argument(help="GitHub login, address or #ID")],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write the JSON to this new file (mode 600)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --out file if it exists.")
    ] = False,
) -> None:
    """Everything csf holds about a person, as JSON (a subject access request)."""
    if out_file is not None:
        check_target(out_file, force=force)  # before the export is made, and audited
    settings = load_settings()
    with open_store(settings) as session:
        data = privacy.export(session, people.find(session, person), actor=CLI_ACTOR)
        text = json_text(data) + "\n"
        if out_file is None:
            sys.stdout.write(text)
            return
        # Personal data: readable by the operator only. A failed write rolls the audit back.
        write_file(out_file, text.encode("utf-8"), force=force, mode=PRIVATE)
        err.print(f"wrote {out_file}", highlight=False)


def _confirm(question: str) -> bool:
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:  # no answer (stdin closed): that is a no
        return False
