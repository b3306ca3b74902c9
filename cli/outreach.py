"""One person: `csf profile` (what csf knows, and role fit) and `csf outreach` (a draft)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.config import load_settings
from bot.errors import CsfError
from bot.outreach.company import load_company
from bot.outreach.drafts import ANGLES as OUTREACH_ANGLES
from bot.outreach.drafts import TEMPLATES as OUTREACH_TEMPLATES
from bot.outreach.drafts import as_json as outreach_json
from bot.outreach.drafts import draft_outreach
from bot.outreach.roles import as_json as role_fit_json
from bot.outreach.roles import load_roles, role_fit
from bot.people import curation as people
from bot.ranking.who import load_ranking_config
from bot.reports.profile import as_json as profile_json
from bot.reports.profile import build_profile
from bot.store.writes import record_search
from cli.app import CLI_ACTOR, WindowDays, app, as_of_date, open_store, taxonomy_of
from cli.render import print_json, print_plain, print_profile


@app.command()
def profile(
    person: Annotated[str, typer.Argument(help="GitHub login, address or #ID")],
    window_days: WindowDays = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", help="Role to rate them for (default: the roles file's default)."),
    ] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Everything csf knows about one person: topics, activity, languages, evidence, role fit."""
    settings = load_settings()
    taxonomy = taxonomy_of(settings)
    config = load_ranking_config(settings.ranking_config)
    chosen_role = load_roles(settings.roles_path).get(role)
    when = as_of_date(as_of)
    with open_store(settings) as session:
        found = people.find(session, person)
        shown = build_profile(
            session, taxonomy, found, config=config, as_of=when, window_days=window_days
        )
        fit = role_fit(session, found, chosen_role, as_of=when)
        record_search(session, CLI_ACTOR, "profile " + person)
        if as_json_output:
            data = profile_json(shown)
            data["role_fit"] = role_fit_json(fit)
            print_json(data)
            return
        print_profile(shown, fit)


@app.command()
def outreach(
    login: Annotated[str, typer.Argument(help="GitHub login, address or #ID")],
    template: Annotated[
        str, typer.Option("--template", help="first_email, dm or follow_up")
    ] = "first_email",
    angle: Annotated[
        str | None,
        typer.Option("--angle", help="latest_pr, substantial_pr, reviews or design"),
    ] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="Role to name (default: the company's first).")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Draft a personal message that cites the person's own work; csf never sends it."""
    if template not in OUTREACH_TEMPLATES:
        raise CsfError(f"--template {template!r}: choose one of {', '.join(OUTREACH_TEMPLATES)}")
    if angle is not None and angle not in OUTREACH_ANGLES:
        raise CsfError(f"--angle {angle!r}: choose one of {', '.join(OUTREACH_ANGLES)}")
    settings = load_settings()
    company = load_company(settings.company_profile)
    chosen_role = company.role(load_roles(settings.roles_path), role)
    taxonomy = taxonomy_of(settings)
    config = load_ranking_config(settings.ranking_config)
    when = as_of_date(as_of)
    with open_store(settings) as session:
        found = people.find(session, login)
        draft = draft_outreach(
            session,
            taxonomy,
            found,
            company=company,
            role=chosen_role,
            as_of=when,
            template=template,
            angle=angle,
            config=config,
        )
    if as_json_output:
        print_json(outreach_json(draft))
        return
    # Plain lines: the draft is for copying, so no console markup or wrapping touches it.
    if draft.routes:
        print_plain("To (routes they published):")
        for route in draft.routes:
            print_plain(f"  {route.value}: {route.note}")
    else:
        print_plain("To: they publish no contact route")
    if draft.subject:
        print_plain(f"Subject: {draft.subject}")
    print_plain()
    print_plain(draft.body)
    print_plain()
    others = [a for a in draft.angles if a != draft.angle]
    print_plain(f"-- angle: {draft.angle}" + (f" (also: {', '.join(others)})" if others else ""))
    print_plain(f"-- role: {draft.role_name}; theme: {draft.theme}")
    print_plain("-- a draft: csf never sends it; read it, make it yours, send it yourself")
