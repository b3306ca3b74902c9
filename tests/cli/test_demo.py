"""`csf demo` as a newcomer runs it: a fresh home and folder, no credentials, no network."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ENV_NAMES
from bot.demo.world import SampleWorld, build_world
from bot.people.places import place

CARD = re.compile(r"^\W*(\d+)\. .+? · @([a-z0-9-]+) · ", re.MULTILINE)


def run_csf(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES.values()}
    clean.update({"HOME": str(cwd), "COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def scene(output: str, command: str, title: str = "") -> str:
    """The part of the demo's output under one `▶ command  title` heading."""
    start = output.index(f"▶ {command}  {title}")
    end = output.find("▶ ", start + 2)
    return output[start : end if end != -1 else len(output)]


def ranked_logins(text: str) -> list[str]:
    cards = CARD.findall(text)
    assert [int(rank) for rank, _ in cards] == list(range(1, len(cards) + 1))
    return [login for _, login in cards]


@pytest.fixture(scope="module")
def world() -> SampleWorld:
    return build_world()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("newcomer")
    return home, run_csf(home, "demo")


def test_demo_runs_offline_and_leaves_nothing_behind(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, result = demo
    assert result.returncode == 0, result.stderr
    assert list(home.iterdir()) == []  # its store lived in a temporary folder
    assert "llvm/llvm-project:" in result.stdout
    assert "torvalds/linux:" in result.stdout
    assert "Traceback" not in result.stderr


def test_bufferization_answer_starts_with_the_worlds_maintainers(
    demo: tuple[Path, subprocess.CompletedProcess[str]], world: SampleWorld
) -> None:
    output = demo[1].stdout
    answer = scene(output, "/csf who mlir bufferization")
    assert "MLIR › Bufferization" in answer
    logins = ranked_logins(answer)
    maintainers = world.maintainers("mlir.bufferization")
    assert len(logins) == 10
    assert set(logins[: len(maintainers)]) == set(maintainers)
    for login in maintainers:
        assert world.person(login).name in answer
    assert "[ Save ] [ Outreach ] [ Profile ] [ Not a fit ]" in answer


def test_uk_filter_shows_only_uk_people(
    demo: tuple[Path, subprocess.CompletedProcess[str]], world: SampleWorld
) -> None:
    answer = scene(demo[1].stdout, "/csf who triton amd backend --region uk")
    logins = ranked_logins(answer)
    assert len(logins) >= 3
    for login in logins:
        assert place(world.person(login).location).region == "uk", login
    uk_maintainers = {
        login
        for login in world.maintainers("triton.amd")
        if place(world.person(login).location).region == "uk"
    }
    assert uk_maintainers
    assert set(logins[: len(uk_maintainers)]) == uk_maintainers


def test_profile_hooks_and_next_steps(
    demo: tuple[Path, subprocess.CompletedProcess[str]], world: SampleWorld
) -> None:
    output = demo[1].stdout
    uk_first = ranked_logins(scene(output, "/csf who triton amd backend --region uk"))[0]
    profile = scene(output, f"/csf profile {uk_first}")
    assert world.person(uk_first).name in profile
    assert "last 12 months" in profile
    assert "arrives with" not in output  # every scene is built
    digest = scene(output, "#talent, Monday 09:00")
    assert "Newly active compiler engineers" in digest
    newcomers = {p.login for p in world.people if p.role == "newcomer"}
    assert newcomers & set(re.findall(r"@([a-z0-9-]+) ·", digest))
    fit = scene(output, f"/csf profile {uk_first}", "How do they fit")
    assert "Staff Compiler Engineer fit" in fit
    draft = scene(output, f"/csf outreach {uk_first}")
    assert "Subject:" in draft
    assert re.search(r"https://github\.com/[\w-]+/[\w.-]+/(pull|issues)/\d+", draft)  # theirs
    for step in ("manifest.yml", "GITHUB_TOKEN", "csf track add", "csf sync", "csf run"):
        assert step in output, step


def test_a_kept_store_answers_csf_who(tmp_path: Path, world: SampleWorld) -> None:
    store = tmp_path / "demo.db"
    result = run_csf(tmp_path, "demo", "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert f"sqlite:///{store}" in result.stdout
    again = run_csf(tmp_path, "demo", "--store", str(store))
    assert again.returncode == 1
    assert "already exists" in again.stderr
    asked = run_csf(
        tmp_path,
        "who",
        "tvm",
        "meta_schedule",
        "--as-of",
        f"{world.now:%Y-%m-%d}",
        "--json",
        CSF_DATABASE_URL=f"sqlite:///{store}",
    )
    assert asked.returncode == 0, asked.stderr
    results = json.loads(asked.stdout)["results"]
    maintainers = world.maintainers("tvm.metaschedule")
    assert {r["person"]["login"] for r in results[: len(maintainers)]} == set(maintainers)

    chart = tmp_path / "map.png"
    mapped = run_csf(
        tmp_path,
        "map",
        "triton",
        "amd",
        "--region",
        "uk",
        "--as-of",
        f"{world.now:%Y-%m-%d}",
        "--png",
        str(chart),
        CSF_DATABASE_URL=f"sqlite:///{store}",
    )
    assert mapped.returncode == 0, mapped.stderr
    assert "Triton › AMD backend:" in mapped.stdout
    assert "United Kingdom" in mapped.stdout
    assert "United States" not in mapped.stdout
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_the_next_steps_name_csf_as_it_can_be_typed_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Right after the README's set-up nothing is activated: `csf` alone would be "command not
    found", so the steps say `.venv/bin/csf`; on PATH, plain `csf`."""
    from cli.run import csf_command

    script = tmp_path / ".venv" / "bin" / "csf"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script), "demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert csf_command() == ".venv/bin/csf"
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    assert csf_command() == "csf"
    monkeypatch.setattr(sys, "argv", ["/opt/elsewhere/bin/csf", "demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert csf_command() == "/opt/elsewhere/bin/csf"


def test_the_bpf_answer_cites_a_review_given_by_mail(
    demo: tuple[Path, subprocess.CompletedProcess[str]], world: SampleWorld
) -> None:
    output = demo[1].stdout
    assert "mail:bpf: 19 messages read; 8 patches and 11 reviews stored" in output
    answer = scene(output, "/csf who linux bpf")
    assert "Linux kernel › BPF" in answer
    # The patches under review on the list are not in the kernel's history: the reviews of
    # them are known only from the archive, and the answer cites one.
    assert "approved bpf: Follow up on" in answer
    reviewers = {world.person(r).name for c in world.linux_commits for r in c.reviewers}
    assert any(name in answer for name in reviewers)


def test_the_design_answer_cites_an_rfc_from_the_forum(
    demo: tuple[Path, subprocess.CompletedProcess[str]], world: SampleWorld
) -> None:
    output = demo[1].stdout
    assert "discourse:discourse.llvm.org/c/mlir/31: " in output  # synced from the local forum
    answer = scene(output, "/csf who mlir bufferization rfc")
    assert "MLIR › Bufferization" in answer
    assert "wrote the design thread [RFC] One-Shot Bufferization of" in answer
    assert "in 0 files" not in answer  # a thread changes no file: no size is said
    logins = ranked_logins(answer)
    assert set(world.maintainers("mlir.bufferization")) <= set(logins)
