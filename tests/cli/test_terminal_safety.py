"""Data never drives the operator's terminal: every command shows hostile text, never obeys it.

A fictional person's name, location, company and PR title carry a clear-screen sequence, an
OSC 8 hyperlink, a right-to-left override, an 8-bit CSI and rich markup. Whatever command shows
them, none of those bytes reaches stdout or stderr raw: each is written out visibly, markup
prints as typed, and JSON still decodes to the very same text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.store.engine import make_engine
from bot.store.models import Contribution, Person
from tests.support.cli import csf
from tests.support.ranking_world import build

CLEAR = "\x1b[2J"
LINK = "\x1b]8;;https://evil.example/\x07click here\x1b]8;;\x07"
RLO = "\u202e"
CSI8 = "\x9b31m"
MARKUP = "[red]x[/red]"
HOSTILE = f"Eve {CLEAR}{LINK} {RLO}gnp.exe\u202c {MARKUP} {CSI8}"
RAW = (CLEAR, "\x1b]8;;https://evil", "\x07", RLO, "\u202c", "\x9b")
AS_OF = ("--as-of", "2026-06-01")
EXAMPLE_COMPANY = Path(__file__).resolve().parents[2] / "bot" / "outreach" / "example_company.yml"
COMPANY = {"CSF_COMPANY_PROFILE": str(EXAMPLE_COMPANY)}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    assert csf(folder, "migrate").returncode == 0
    engine = make_engine(f"sqlite:///{folder / 'csf.db'}")
    with Session(engine) as session:
        world = build(session)
        person = session.get(Person, world.people["ada-owner"])
        assert person is not None
        person.name = person.location = person.company = HOSTILE
        for contribution in session.exec(
            select(Contribution).where(Contribution.person_id == person.id)
        ):
            contribution.title = f"[mlir] {HOSTILE}"
        session.commit()
    engine.dispose()
    return folder


def _shows_safely(output: str) -> None:
    for raw in RAW:
        assert raw not in output, f"{raw!r} reached the terminal raw"


# What each command must show, escaped: the operator sees that something is off.
SHOWN = ("\\x1b[2J", "\\u202egnp.exe", "\\x9b31m", MARKUP)


@pytest.mark.parametrize(
    ("args", "env", "shown"),
    [
        (("who", "mlir", "bufferization", *AS_OF), {}, SHOWN),
        (("profile", "ada-owner", *AS_OF), {}, SHOWN),
        (("people", "show", "ada-owner"), {}, SHOWN),
        (("people", "mark", "ada-owner", "--person"), {}, SHOWN),
        # The draft drops C0 controls and bidi marks from titles itself; 8-bit CSI it keeps.
        (("outreach", "ada-owner", *AS_OF), COMPANY, ("\\x9b31m", MARKUP)),
        (("map", "mlir", *AS_OF), {}, ("\\x1b[2J", "\\u202egnp.exe")),  # places, companies
    ],
    ids=["who", "profile", "people-show", "people-mark", "outreach", "map"],
)
def test_hostile_text_is_shown_not_obeyed(
    store: Path, args: tuple[str, ...], env: dict[str, str], shown: tuple[str, ...]
) -> None:
    result = csf(store, *args, **env)
    assert result.returncode == 0, result.stderr
    _shows_safely(result.stdout + result.stderr)
    for text in shown:
        assert text in result.stdout  # markup printed as typed, the rest written out


@pytest.mark.parametrize(
    "args",
    [
        ("who", "mlir", "bufferization", *AS_OF, "--json"),
        ("profile", "ada-owner", *AS_OF, "--json"),
        ("people", "export", "ada-owner"),
    ],
    ids=["who", "profile", "export"],
)
def test_json_escapes_hostile_text_and_keeps_it_exact(store: Path, args: tuple[str, ...]) -> None:
    result = csf(store, *args)
    assert result.returncode == 0, result.stderr
    _shows_safely(result.stdout)
    as_json = json.dumps(HOSTILE, ensure_ascii=False)[1:-1]
    assert as_json in json.dumps(json.loads(result.stdout), ensure_ascii=False)  # the same text


@pytest.mark.parametrize(
    "args",
    [
        ("people", "export", "ada-owner", "--out", f"{HOSTILE}.json"),
        ("who", "mlir", f"--{HOSTILE}"),
    ],
    ids=["csf-error", "usage-error"],
)
def test_a_complaint_quoting_hostile_input_is_one_safe_line(
    store: Path, args: tuple[str, ...]
) -> None:
    result = csf(store, *args)
    assert result.returncode != 0
    _shows_safely(result.stderr)
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("csf: ")
    assert "\\x1b[2J" in result.stderr
