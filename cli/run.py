"""Running csf: `csf run` (the Slack bot), `csf worker` (the scheduler), `csf demo` (offline).

The one module of a face allowed to start the others: `run` starts the Slack face
(`handlers.app`) and `worker` the job face (`scheduler`)."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text
from sqlmodel import Session

from bot.config import load_settings
from bot.demo.load import LoadReport, load_world
from bot.demo.world import NOW as DEMO_NOW
from bot.demo.world import SampleWorld, build_world
from bot.ingest.sync import SyncProgress
from bot.logs import setup_logging
from bot.ranking.who import load_ranking_config
from bot.store.engine import make_engine, require_migrated, upgrade
from bot.taxonomy.model import Taxonomy, default_taxonomy
from cli.app import app, taxonomy_of
from cli.demo_scenes import (
    DemoContext,
    digest_scene,
    outreach_scene,
    profile_scene,
    role_fit_scene,
    who_message_scene,
    who_scene,
)
from cli.files import check_target
from cli.render import out, progress, pulse
from cli.terminal import message as render_message
from handlers.app import serve
from scheduler.jobs import WorkerContext
from scheduler.worker import run_worker


@app.command()
def run() -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT."""
    settings = load_settings()
    setup_logging(settings)  # redacting; main() did it already, this keeps `run` self-contained
    serve(settings)


@app.command()
def worker() -> None:
    """Run the scheduler: syncs, the weekly digest, reminders (stops cleanly on SIGTERM)."""
    settings = load_settings()
    setup_logging(settings)  # redacting: tokens never reach the worker's log
    engine = make_engine(settings.database_url, create=False)
    try:
        require_migrated(engine)
        context = WorkerContext(
            settings=settings,
            engine=engine,
            taxonomy=taxonomy_of(settings),
            ranking=load_ranking_config(settings.ranking_config),
        )
        run_worker(context)
    finally:
        engine.dispose()


@app.command()
def demo(
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Keep the demo's SQLite store here (default: a temporary folder)."
        ),
    ] = None,
) -> None:
    """Run csf offline on a fictional sample world: sync it, ask, see the answers as in Slack."""
    started = time.perf_counter()
    if store is not None:
        # A fictional world must never be mixed into a real store by a slip of the path.
        fresh = "the demo fills a new store; choose another path"
        check_target(store, force=False, if_exists=fresh)
    world = build_world()
    taxonomy = default_taxonomy()  # the sample world is laid out for the shipped taxonomy
    config = load_ranking_config(None)
    out.print(
        Text.assemble(
            ("csf demo", "bold"),
            f": a fictional sample world of {len(world.people)} invented people "
            f"across MLIR, LLVM, TVM, Triton, XLA, IREE and Linux, as of "
            f"{world.now:%A %d %B %Y}. No network, no credentials: a GitHub on 127.0.0.1 serves "
            "it, and csf reads it with the same code that reads api.github.com.",
        )
    )
    with tempfile.TemporaryDirectory(prefix="csf-demo-") as folder:
        path = store or Path(folder) / "demo.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine)
            with Session(engine) as session:
                report = _demo_load(session, taxonomy, world)
                for line in report.summaries:
                    out.print(f"  {line}", style="dim", soft_wrap=True)
                for line in report.skipped:
                    out.print(f"  skipped {line}", style="yellow", soft_wrap=True)
                ctx = DemoContext(session, taxonomy, config, world)
                _demo_scenes(ctx)
        finally:
            engine.dispose()
    _demo_next_steps(store)
    out.print(f"demo finished in {time.perf_counter() - started:.1f} s", style="dim")


def _demo_load(session: Session, taxonomy: Taxonomy, world: SampleWorld) -> LoadReport:
    with progress(*pulse()) as shown:
        task = shown.add_task("syncing the sample world", total=None, detail="")

        def show(event: SyncProgress) -> None:
            detail = f"{event.pages} pages, {event.items} items"
            shown.update(task, description=f"{event.repo} {event.stage}", detail=detail)

        return load_world(session, taxonomy, world, on_progress=show)


def _demo_scenes(ctx: DemoContext) -> None:
    """The questions a sourcer asks in their first minutes, with csf's Slack answers."""
    bufferization_words = ["mlir", "bufferization"]
    bufferization = who_scene(ctx, bufferization_words)
    amd_words = ["triton", "amd", "backend"]
    amd_uk = who_scene(ctx, amd_words, region="uk")
    bpf_words = ["linux", "bpf"]  # reviewed by mail: the answer cites the list's archive
    bpf = who_scene(ctx, bpf_words)
    design_words = ["mlir", "bufferization", "rfc"]  # RFC threads, from the forum and GitHub
    design = who_scene(ctx, design_words)
    candidates = amd_uk.results or bufferization.results
    scenes = [
        who_message_scene(
            "Who matters most in MLIR bufferization?", bufferization_words, bufferization
        ),
        who_message_scene("Who works on Triton's AMD backend, in the UK?", amd_words, amd_uk, "uk"),
        who_message_scene("Who builds and reviews BPF, on the list too?", bpf_words, bpf),
        who_message_scene("Who writes bufferization's RFCs?", design_words, design),
        digest_scene(ctx),
    ]
    if candidates:
        person_id = candidates[0].person_id
        scenes += [
            profile_scene(ctx, person_id),
            role_fit_scene(ctx, person_id),
            outreach_scene(ctx, person_id),
        ]
    for scene in scenes:
        out.print()
        out.rule(Text.assemble((f"▶ {scene.command}", "bold"), f"  {scene.title}"), align="left")
        if scene.message is None:
            out.print(f"  (arrives with {scene.pending or 'a later issue'})")
            continue
        ephemeral = scene.command.startswith("/csf")
        note = "only visible to you" if ephemeral else None
        out.print(render_message(scene.message, title="csf", note=note))


def csf_command() -> str:
    """How to type `csf` in this shell: `csf` when it is on PATH, else the path that ran it
    (`.venv/bin/csf` right after the README's set-up, before any venv is activated)."""
    program = Path(sys.argv[0])
    on_path = shutil.which("csf")
    if program.name != "csf":
        return "csf"  # `python -m cli`: whoever runs that knows how they started it
    if on_path is not None and Path(on_path).resolve() == program.resolve():
        return "csf"
    try:
        return str(program.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(program)


def _demo_next_steps(store: Path | None) -> None:
    out.print()
    out.rule(Text("Next: your own Slack and GitHub", style="bold"), align="left")
    csf = csf_command()
    steps = [
        "Slack: create an app at https://api.slack.com/apps from manifest.yml "
        "(From a manifest), install it, then set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and, "
        "for Socket Mode, SLACK_APP_TOKEN (see README, Connect Slack).",
        "GitHub: export GITHUB_TOKEN=... (a fine-grained token with public read access).",
        f"Store: {csf} migrate (SQLite ./csf.db by default; CSF_DATABASE_URL for PostgreSQL).",
        f"Follow repositories: {csf} track defaults, or {csf} track add llvm/llvm-project.",
        f"Fill the store: {csf} sync (incremental; run it again any time).",
        f"Ask in the terminal: {csf} who mlir bufferization; {csf} profile LOGIN.",
        f"Run the bot: {csf} run (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT).",
    ]
    if csf != "csf":
        out.print(
            f"  (csf is not on your PATH: type {csf} as below, or activate the environment "
            f"first with `. {Path(csf).parent}/activate`)",
            soft_wrap=True,
        )
    for number, step in enumerate(steps, start=1):
        out.print(f"  {number}. {step}", soft_wrap=True)
    if store is not None:
        out.print(
            f"\nThe demo's store is kept at {store}; explore it with e.g. "
            f"CSF_DATABASE_URL=sqlite:///{store} {csf} who tvm meta_schedule "
            f"--as-of {DEMO_NOW:%Y-%m-%d}",
            soft_wrap=True,
        )
