"""`csf people suggest` in a terminal: evidence, the commands that accept it, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import csf
from tests.support.git_repos import GitRepo

SCHED = "kernel/sched/fair.c"
AUTHORS = [
    ("Ada Quillon", "4101+ada-quillon@users.noreply.github.com"),
    ("ada-quillon", "aq@lab.example"),
    ("Eli Tamsin", "eli.t@north.example"),
    ("Eli Tamsin", "etamsin@south.example"),
    # Console markup in a name is shown as typed, never interpreted.
    ("[red]Ivo[/red] Quench", "ivo.quench@one.example"),
    ("[red]Ivo[/red] Quench", "ivo.quench@two.example"),
]


def ingested(tmp_path: Path) -> Path:
    git = GitRepo(tmp_path / "linux")
    for number, author in enumerate(AUTHORS):
        git.commit(f"sched: change {number}", {SCHED: f"{number}\n"}, author=author)
    assert csf(tmp_path, "migrate").returncode == 0
    result = csf(tmp_path, "ingest", "git", str(git.path), "--repo", "torvalds/linux")
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_suggestions_with_evidence_and_the_command_to_accept(tmp_path: Path) -> None:
    ingested(tmp_path)
    shown = csf(tmp_path, "people", "suggest")
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert text.startswith("3 likely duplicates, strongest evidence first")
    assert "strong: git name 'ada-quillon' of #2 equals the GitHub login of #1" in text
    assert "accept: csf people merge '#1' '#2'" in text
    assert "medium: same address local part, at one.example (#5), two.example (#6)" in text
    assert "[red]Ivo[/red] Quench" in text  # escaped: markup shown, not applied
    assert text.index("ada-quillon") < text.index("Ivo") < text.index("Eli Tamsin")
    assert "aq@lab.example" not in text  # addresses are not held, so never shown

    data = json.loads(csf(tmp_path, "people", "suggest", "--json", "--limit", "1").stdout)
    assert [s["strength"] for s in data] == ["strong"]
    assert [p["id"] for p in data[0]["people"]] == [1, 2]
    assert data[0]["commands"] == ["csf people merge '#1' '#2'"]

    accepted = csf(tmp_path, "people", "merge", "#1", "#2")
    assert accepted.returncode == 0, accepted.stderr
    after = json.loads(csf(tmp_path, "people", "suggest", "--json").stdout)
    assert [s["people"][0]["name"] for s in after] == ["[red]Ivo[/red] Quench", "Eli Tamsin"]


def test_repo_scope_and_bad_input_are_one_line(tmp_path: Path) -> None:
    ingested(tmp_path)
    scoped = csf(tmp_path, "people", "suggest", "--repo", "TORVALDS/linux", "--json")
    assert scoped.returncode == 0, scoped.stderr
    assert len(json.loads(scoped.stdout)) == 3
    for args, message in (
        (["--repo", "example-org/none"], "no repository example-org/none in the store"),
        (["--repo", "linux"], "'linux' is not a repository: write OWNER/NAME"),
        (["--limit", "0"], "--limit 0: give a number of suggestions, 1 or more"),
    ):
        refused = csf(tmp_path, "people", "suggest", *args)
        assert refused.returncode == 1
        assert refused.stdout == ""
        assert len(refused.stderr.strip().splitlines()) == 1
        assert refused.stderr.startswith(f"csf: {message}")
        assert "Traceback" not in refused.stderr


def test_an_empty_store_has_nothing_to_suggest(tmp_path: Path) -> None:
    assert csf(tmp_path, "migrate").returncode == 0
    empty = csf(tmp_path, "people", "suggest")
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.strip() == "no likely duplicates found"
