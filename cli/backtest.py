"""`csf backtest owners`: how well `who` reproduces a repository's own owner file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from bot.config import load_settings
from bot.errors import CsfError
from bot.ranking.who import load_ranking_config
from bot.reports.backtest_owners import OwnerBacktest, as_json, backtest_owners
from cli.app import WindowDays, app, as_of_date, open_store, taxonomy_of
from cli.render import out, print_json

backtest_app = typer.Typer(
    help="Check csf's answers against what a repository says of itself.", no_args_is_help=True
)
app.add_typer(backtest_app, name="backtest")

_MEASURES = ("hit@5", "recall@10", "mrr", "ndcg@10")


@backtest_app.command("owners")
def backtest_owners_command(
    owners_file: Annotated[
        Path, typer.Argument(help="A CODEOWNERS, Maintainers.md or MAINTAINERS file.")
    ],
    repo: Annotated[str, typer.Option("--repo", help="owner/name whose history csf holds.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Score the answers of YYYY-MM-DD.")
    ] = None,
    window_days: WindowDays = None,
    as_json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score `who` per owner-file area (ownership weighted zero) beside a plain commit count.

    For each area, csf asks the repository's name and the area's path words (or heading), and
    scores its top 10 against the people the file names: hit@5, recall@10, MRR and nDCG@10.
    """
    try:
        text = owners_file.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise CsfError(f"cannot read {owners_file}: {error.strerror}") from None
    settings = load_settings()
    taxonomy = taxonomy_of(settings)
    config = load_ranking_config(settings.ranking_config)
    when = as_of_date(as_of)
    with open_store(settings) as session:
        try:
            report = backtest_owners(
                session,
                taxonomy,
                config,
                repo,
                text,
                owners_file.name,
                as_of=when,
                window_days=window_days,
            )
        except ValueError as error:
            raise CsfError(str(error)) from None
    if as_json_output:
        print_json(as_json(report))
        return
    _print(report)


def _print(report: OwnerBacktest) -> None:
    out.print(
        Text.assemble(
            (report.repo, "bold"),
            f": {len(report.areas)} areas scored, {len(report.skipped)} skipped "
            f"({report.window_days} days to {report.as_of:%Y-%m-%d})",
        )
    )
    table = Table("area", "question", *(f"csf {m}" for m in _MEASURES), "count MRR", "count nDCG")
    for entry in report.areas:
        table.add_row(
            entry.area.label,
            " ".join(entry.area.words),
            *(f"{entry.csf[m]:.2f}" for m in _MEASURES),
            f"{entry.baseline['mrr']:.2f}",
            f"{entry.baseline['ndcg@10']:.2f}",
        )
    csf, count = report.overall("csf"), report.overall("baseline")
    if csf:
        table.add_row(
            Text("overall", style="bold"),
            "",
            *(f"{csf[m]:.3f}" for m in _MEASURES),
            f"{count['mrr']:.3f}",
            f"{count['ndcg@10']:.3f}",
        )
    out.print(table)
    for entry in report.skipped:
        out.print(f"skipped {entry.area.label}: {entry.note}")
