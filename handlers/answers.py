"""The answers behind `/csf` and its buttons: a command in, a Slack message (blocks) out.

Kept out of the listeners so the same answers are tested without Slack and listeners stay a
few lines each: parse, call this, respond. Nothing here imports slack_bolt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from bot.config import is_admin
from bot.errors import CsfError
from bot.ingest.tracking import track, tracked_repos, untrack
from bot.outreach.company import load_company
from bot.outreach.drafts import draft_outreach
from bot.outreach.roles import Role, load_roles, role_fit
from bot.people.places import check_region
from bot.people.privacy import forget, plan_forget
from bot.ranking.who import WhoAnswer, person_view
from bot.ranking.who import who as rank
from bot.reports.digest import compute_digest, period_ending
from bot.reports.profile import build_profile
from bot.reports.talent_map import talent_map
from bot.shortlist.saves import mark, parse_status, pipeline, posted_people, save
from bot.store.identity import login_key
from bot.store.models import CandidateStatus, Person
from bot.store.writes import find_person, record_audit
from bot.taxonomy.question import read_query
from handlers.command_text import Command, UsageError, login_from, parse
from handlers.context import AppContext
from handlers.help import help_message
from handlers.slack_links import GitHubRef, github_refs, resolve_refs
from slackui.blocks.common import ACTION_FORGET, MAX_BLOCKS, button, context, section
from slackui.blocks.digest import digest_blocks
from slackui.blocks.mrkdwn import escape
from slackui.blocks.outreach import outreach_blocks, outreach_text, role_fit_blocks
from slackui.blocks.people import PAGE_SIZE, display_name, notice, profile_message, who_message
from slackui.blocks.shortlist import saved_message
from slackui.blocks.talent_map import map_message

Message = dict[str, Any]


@dataclass
class Asker:
    """Who is asking, and where: Slack's team, user and channel ids."""

    team_id: str
    user_id: str
    channel_id: str | None = None


@dataclass
class Answer:
    message: Message
    person_ids: list[int] = field(default_factory=list)  # the people the message shows


def answer_command(ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    """The reply to one parsed `/csf` command."""
    name = command.name
    if name == "help":
        return Answer(help_message())
    if name == "who":
        return who_page(ctx, session, command.text, command.options, asker, page=1)
    if name == "map":
        return map_answer(ctx, session, command, asker)
    if name == "profile":
        return profile_answer(ctx, session, person_by_login(session, command.args[0]))
    if name == "save":
        return save_login(ctx, session, command.args[0], asker)
    if name == "saved":
        status = parse_status(command.args[0]) if command.args else None
        entries = pipeline(session, asker.team_id, status)
        return Answer(saved_message(entries, status.value if status else None))
    if name == "topics":
        return Answer(topics_message(ctx, command.args[0] if command.args else None))
    if name == "track":
        return Answer(track_answer(ctx, session, command.args, asker))
    if name == "outreach":
        return outreach_answer(ctx, session, person_by_login(session, command.args[0]))
    if name == "digest":
        return digest_preview(ctx, session, asker)
    if name == "forget":
        return Answer(forget_confirmation(ctx, session, command.args[0], asker))
    raise UsageError(f"csf has no command “{name}”")  # parse() admits only known names


def person_by_login(session: Session, login: str) -> Person:
    person = find_person(session, [login_key(login)])
    if person is None:
        raise CsfError(f"csf knows no one as @{login} yet; a sync that covers their work adds them")
    return person


def _view(session: Session, person: Person) -> dict[str, Any]:
    return person_view(session, person)


def who_page(
    ctx: AppContext,
    session: Session,
    query: str,
    options: dict[str, str],
    asker: Asker,
    *,
    page: int,
    shared: bool = False,
) -> Answer:
    """One page of a `who` answer; `More` asks for the next page of the same query."""
    region = _region(options, "who")
    wanted = int(options["limit"]) if "limit" in options else None
    fetch = page * PAGE_SIZE + 1
    if wanted is not None:
        fetch = min(fetch, wanted)
    reading = read_query(ctx.taxonomy, query.split())
    answer: WhoAnswer = rank(
        session,
        ctx.taxonomy,
        reading,
        config=ctx.ranking,
        as_of=ctx.clock(),
        window_days=int(options["window-days"]) if "window-days" in options else None,
        limit=fetch,
        region=region,
    )
    if page == 1 and not shared:
        _record_search(session, asker, query)
    state = query + "".join(f" --{k} {v}" for k, v in sorted(options.items()))
    message = who_message(answer, query=state, page=page, shared=shared)
    start = (page - 1) * PAGE_SIZE
    shown = [r.person_id for r in answer.results[start : start + PAGE_SIZE]]
    return Answer(message, shown)


def _region(options: dict[str, str], command: str) -> str | None:
    """The `--region` option, checked by the core; a bad one is a usage error of `command`."""
    try:
        return check_region(options.get("region"))
    except CsfError as error:
        raise UsageError(str(error), command) from None


def map_answer(ctx: AppContext, session: Session, command: Command, asker: Asker) -> Answer:
    """Where the area's high-signal people (those `who` ranks highest) live and work."""
    days = command.options.get("window-days")
    tmap = talent_map(
        session,
        ctx.taxonomy,
        read_query(ctx.taxonomy, command.args),
        config=ctx.ranking,
        as_of=ctx.clock(),
        region=_region(command.options, "map"),
        window_days=int(days) if days else None,
    )
    _record_search(session, asker, "map " + command.text)  # a search over people, like who
    return Answer(map_message(tmap))


def _record_search(session: Session, asker: Asker, query: str) -> None:
    """The audit log's record of who looked at an area's people."""
    record_audit(session, asker.user_id, "search", query[:200], {"team": asker.team_id})


def who_from_state(
    ctx: AppContext, session: Session, value: str, asker: Asker, *, shared: bool = False
) -> Answer:
    """Re-run the query a Share or More button carries (its value is JSON: q, page)."""
    try:
        state = json.loads(value)
        page = max(1, min(int(state["page"]), 5))
        command = parse("who " + str(state["q"]))
    except (ValueError, KeyError, TypeError) as error:
        raise UsageError("that button is from an older csf; run the query again") from error
    return who_page(ctx, session, command.text, command.options, asker, page=page, shared=shared)


def profile_answer(ctx: AppContext, session: Session, person: Person) -> Answer:
    """The profile, then how the person's public work fits the team's first role."""
    now = ctx.clock()
    shown = build_profile(session, ctx.taxonomy, person, config=ctx.ranking, as_of=now)
    assert person.id is not None
    message = profile_message(shown)
    role = _role(ctx, None)
    fit = role_fit_blocks(role_fit(session, person, role, as_of=now))
    message["blocks"] = (message["blocks"] + fit)[:MAX_BLOCKS]
    return Answer(message, [person.id])


def _role(ctx: AppContext, name: str | None) -> Role:
    """The role named, else the team's first (with a company profile), else the default."""
    book = load_roles(ctx.settings.roles_path)
    if name is None and ctx.settings.company_profile is not None:
        return load_company(ctx.settings.company_profile).role(book)
    return book.get(name)


def outreach_answer(
    ctx: AppContext,
    session: Session,
    person: Person,
    *,
    template: str = "first_email",
    angle: str | None = None,
    role: str | None = None,
) -> Answer:
    """A draft for a human to send, citing the person's own work (never sent by csf)."""
    company = load_company(ctx.settings.company_profile)
    draft = draft_outreach(
        session,
        ctx.taxonomy,
        person,
        company=company,
        role=company.role(load_roles(ctx.settings.roles_path), role),
        as_of=ctx.clock(),
        template=template,
        angle=angle,
        config=ctx.ranking,
    )
    assert person.id is not None
    return Answer({"text": outreach_text(draft), "blocks": outreach_blocks(draft)}, [person.id])


def save_people(
    session: Session,
    person_ids: list[int],
    asker: Asker,
    *,
    source: str,
    source_ref: str | None = None,
) -> Message:
    """Save people to the team's shortlist and say so (a second save says it was already)."""
    lines = []
    for person_id in person_ids:
        outcome = save(
            session,
            asker.team_id,
            person_id,
            saved_by=asker.user_id,
            source=source,
            source_ref=source_ref,
        )
        person = session.get(Person, person_id)
        name = escape(display_name(_view(session, person))) if person else f"#{person_id}"
        if outcome.created:
            lines.append(f":bookmark: Saved *{name}* to the shortlist.")
        else:
            lines.append(f"*{name}* is already on the shortlist ({outcome.candidate.status}).")
    return notice("\n".join(lines))


def save_login(ctx: AppContext, session: Session, login: str, asker: Asker) -> Answer:
    resolution = resolve_refs(session, [GitHubRef("login", None, login)])
    if resolution.suppressed:
        return Answer(
            notice(f"csf keeps no data about @{escape(login)}: they asked to be forgotten.")
        )
    if not resolution.person_ids:
        raise CsfError(f"@{login} is a bot account; csf does not shortlist bots")
    return Answer(save_people(session, resolution.person_ids, asker, source="command"))


def not_a_fit(session: Session, person_id: int, asker: Asker) -> Message:
    mark(session, asker.team_id, person_id, CandidateStatus.NOT_A_FIT, actor=asker.user_id)
    person = session.get(Person, person_id)
    name = escape(display_name(_view(session, person))) if person else f"#{person_id}"
    return notice(f"Marked *{name}* as not a fit: they stay out of this team's digests.")


def topics_message(ctx: AppContext, ecosystem: str | None) -> Message:
    ecosystems = list(ctx.taxonomy.ecosystems)
    if ecosystem is not None:
        eco = ctx.taxonomy.ecosystem(ecosystem)
        if eco is None:
            known = ", ".join(e.key for e in ctx.taxonomy.ecosystems)
            raise UsageError(f"csf knows no ecosystem “{ecosystem}”; it knows {known}", "topics")
        ecosystems = [eco]
    blocks = []
    if len(ecosystems) > 1:
        lines = [f"*{escape(e.name)}* (`{e.key}`): {len(e.topics)} topics" for e in ecosystems]
        blocks.append(section("\n".join(lines)))
        blocks.append(context("See one ecosystem's topics: `/csf topics mlir`"))
    else:
        eco = ecosystems[0]
        lines = [
            f"• `{escape(t.key)}` {escape(t.name)}"
            + (f" — also: {escape(', '.join(t.aliases[:4]))}" if t.aliases else "")
            for t in eco.topics
        ]
        text = f"*{escape(eco.name)}* (`{eco.key}`)\n" + "\n".join(lines)
        for start in range(0, len(text), 2900):
            blocks.append(section(text[start : start + 2900]))
        blocks.append(
            context(f"Ask: `/csf who {eco.key} {eco.topics[0].key if eco.topics else ''}`")
        )
    return {"text": "csf topics", "blocks": blocks[:50]}


def track_answer(ctx: AppContext, session: Session, args: list[str], asker: Asker) -> Message:
    action = args[0]
    if action == "list":
        repos = tracked_repos(session)
        if not repos:
            return notice("No repositories tracked yet: `/csf track add OWNER/NAME`.")
        lines = [
            f"• `{escape(r.full_name)}` ({escape(r.ecosystem)}), last synced "
            + (f"{r.last_synced_at:%Y-%m-%d}" if r.last_synced_at else "never")
            for r in repos
        ]
        return notice("*Tracked repositories*\n" + "\n".join(lines))
    if action == "add":
        ecosystem = args[2] if len(args) > 2 else None
        repo = track(session, ctx.taxonomy, args[1], ecosystem, actor=asker.user_id)
        return notice(
            f"Tracking `{escape(repo.full_name)}` ({escape(repo.ecosystem)}); "
            "the next sync reads its history."
        )
    repo = untrack(session, args[1], actor=asker.user_id)
    return notice(f"No longer tracking `{escape(repo.full_name)}`; its history is kept.")


REACTION_HINT = (
    "csf saves people from its own cards and digests, or from messages that link a GitHub "
    "profile, PR or commit; it found no one to save in that message."
)


def save_by_reaction(
    ctx: AppContext,
    session: Session,
    asker: Asker,
    *,
    channel: str,
    ts: str,
    fetch_message: Callable[[], dict[str, Any] | None],
    permalink: Callable[[], str | None],
) -> Message:
    """Save the person a reacted message is about.

    csf's own messages resolve from what it recorded when posting (no Web API call); other
    messages are fetched and their GitHub links resolved. A message about several people is
    ambiguous, so it gets a hint instead of saving everyone.
    """
    person_ids = posted_people(session, channel, ts)
    if person_ids is None:
        message = fetch_message()
        if message is None:
            return notice(REACTION_HINT)
        resolution = resolve_refs(session, github_refs(message), ctx.pull_author)
        if resolution.suppressed and not resolution.person_ids:
            return notice("csf keeps no data about that person: they asked to be forgotten.")
        person_ids = resolution.person_ids
    if not person_ids:
        return notice(REACTION_HINT)
    if len(person_ids) > 1:
        return notice(
            f"That message is about {len(person_ids)} people; press *Save* on the one you mean, "
            "or react to a message about one person."
        )
    ref = permalink() or f"{channel}/{ts}"
    return save_people(session, person_ids, asker, source="reaction", source_ref=ref)


ADMINS_ONLY = "Only csf admins (CSF_ADMIN_USERS) can erase a person."


def forget_confirmation(ctx: AppContext, session: Session, login: str, asker: Asker) -> Message:
    """What an erasure would delete, with the button that does it: nothing is deleted yet."""
    if not is_admin(ctx.settings, asker.user_id):
        return notice(ADMINS_ONLY)
    plan = plan_forget(session, login)
    text = (
        f":warning: *Erase @{escape(login)}?* {escape(plan.summary())}.\n"
        "This cannot be undone; csf will never store them again."
    )
    forget_button = button(f"Erase @{login}"[:75], ACTION_FORGET, login, style="danger")
    forget_button["confirm"] = {
        "title": {"type": "plain_text", "text": "Erase for good?"},
        "text": {"type": "plain_text", "text": f"Delete everything csf holds about @{login}."},
        "confirm": {"type": "plain_text", "text": "Erase"},
        "deny": {"type": "plain_text", "text": "Keep"},
        "style": "danger",
    }
    return {
        "text": f"csf: erase @{escape(login)}?",
        "blocks": [section(text), {"type": "actions", "elements": [forget_button]}],
    }


def forget_person(ctx: AppContext, session: Session, spec: str, asker: Asker) -> Message:
    """Erase a person and suppress their identities (admins only; confirmed in Slack first)."""
    if not is_admin(ctx.settings, asker.user_id):
        return notice(ADMINS_ONLY)
    login = login_from(spec, "forget")
    report = forget(session, login, actor=asker.user_id)
    what = ", ".join(f"{n} {kind}" for kind, n in report.deleted.items() if n) or "nothing held"
    return notice(
        f"Erased @{escape(login)} ({escape(what)}); {report.suppressed} identities suppressed. "
        f"Audit reference `{escape(report.reference)}`."
    )


def digest_preview(ctx: AppContext, session: Session, asker: Asker) -> Answer:
    """What the digest would post if it ran now (its period ends tonight), only to the asker."""
    tz = ctx.settings.tz
    tonight = ctx.clock().astimezone(tz).date() + timedelta(days=1)
    period = period_ending(tonight, tz, int(ctx.ranking["digest"]["period_days"]))
    digest = compute_digest(
        session, ctx.taxonomy, config=ctx.ranking, team_id=asker.team_id, period=period
    )
    messages = digest_blocks(digest)
    blocks = [context("Preview, only to you: the weekly digest posts this on its schedule.")]
    for message in messages:
        if len(blocks) + len(message["blocks"]) > MAX_BLOCKS:
            blocks.append(context(f"… and more: `csf digest` prints all {len(digest.entries)}."))
            break
        blocks += message["blocks"]
    ids = [e.person_id for e in digest.entries]
    return Answer({"text": messages[0]["text"], "blocks": blocks}, ids)
