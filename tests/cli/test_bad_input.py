"""Bad options, settings and files, run through the real `csf`: one line naming the problem each.

Every case here ended in a traceback (or, for NaN weights and `!!python/...` tags, was accepted
without a word) before the CLI checked it: out-of-range numbers and dates, data files that are
not UTF-8, nested past Python's stack or tagged as code, a store that is not a database, a
SQLite timeout that is not a number, and file names the system cannot take.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from tests.support.cli import csf

LONG_NAME = "n" * 300  # longer than any file name a file system takes
DEEP = b"[" * 100_000  # deeper than Python's recursion limit
NOT_UTF8 = b"name: Caf\xe9 Fictional\n"
PYTHON_TAG = b"version: 1\necosystems: !!python/object:os.system\n  x: 1\n"


def _closed_port() -> int:
    """A loopback port nothing listens on: bound, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


NO_SLACK = {
    "SLACK_API_URL": f"http://127.0.0.1:{_closed_port()}/api/",
    "SLACK_BOT_TOKEN": "xoxb-fictional",
    "SLACK_SIGNING_SECRET": "fictional-secret",
    "CSF_DIGEST_CHANNEL": "#talent",
}

# (id, arguments, environment, files to create first, text the one line must hold, exit status)
CASES: list[tuple[str, list[str], dict[str, str], dict[str, bytes], str, int]] = [
    (
        "huge-window",
        ["who", "mlir", "--window-days", "99999999999"],
        {},
        {},
        "'--window-days'",
        2,
    ),
    ("window-of-profile", ["profile", "x", "--window-days", "10" * 20], {}, {}, "--window-days", 2),
    ("as-of-year-1", ["who", "mlir", "--as-of", "0001-01-01"], {}, {}, "'0001-01-01' is out", 1),
    ("digest-as-of-year-1", ["digest", "--as-of", "0001-01-01"], {}, {}, "is out of range", 1),
    ("scores-as-of-year-1", ["scores", "refresh", "--as-of", "0001-01-01"], {}, {}, "--as-of", 1),
    ("empty-as-of", ["who", "mlir", "--as-of", ""], {}, {}, "--as-of '' is not a date", 1),
    ("empty-since", ["audit", "--since", ""], {}, {}, "--since '' is not a date", 1),
    (
        "eight-thousand-years-of-digests",
        ["digest", "backtest", "--from", "2025-01-01", "--to", "2999-12-31"],
        {},
        {},
        "more than a century of digests",
        1,
    ),
    ("unknown-option", ["who", "mlir", "--windw-days", "3"], {}, {}, "--windw-days", 2),
    ("not-a-number", ["who", "mlir", "-n", "abc"], {}, {}, "'-n': Input should be a valid", 2),
    ("missing-argument", ["who"], {}, {}, "Missing argument", 2),
    (
        "taxonomy-not-utf8",
        ["who", "mlir"],
        {"CSF_TAXONOMY": "t.yml"},
        {"t.yml": NOT_UTF8},
        "t.yml is not UTF-8 text (line 1: byte 0xe9)",
        1,
    ),
    (
        "ranking-not-utf8",
        ["who", "mlir"],
        {"CSF_RANKING_CONFIG": "r.yml"},
        {"r.yml": NOT_UTF8},
        "CSF_RANKING_CONFIG: the ranking file r.yml is not UTF-8",
        1,
    ),
    (
        "taxonomy-too-deep",
        ["topics", "--file", "t.yml"],
        {},
        {"t.yml": DEEP},
        "t.yml:1: nested more than 64 levels deep",
        1,
    ),
    (
        "ranking-too-deep",
        ["who", "mlir"],
        {"CSF_RANKING_CONFIG": "r.yml"},
        {"r.yml": DEEP},
        "r.yml:1: nested more than",
        1,
    ),
    (
        "ranking-toml-too-deep",
        ["who", "mlir"],
        {"CSF_RANKING_CONFIG": "r.toml"},
        {"r.toml": b"a = " + DEEP},
        "r.toml is nested too deeply",
        1,
    ),
    (
        "roles-too-deep",
        ["profile", "x"],
        {"CSF_ROLES": "roles.yml"},
        {"roles.yml": DEEP},
        "roles.yml:1: nested more than",
        1,
    ),
    (
        "taxonomy-python-tag",
        ["topics", "--file", "t.yml"],
        {},
        {"t.yml": PYTHON_TAG},
        "t.yml:2: the tag !!python/object:os.system is not allowed",
        1,
    ),
    (
        "company-python-tag",
        ["outreach", "x"],
        {"CSF_COMPANY_PROFILE": "c.yml"},
        {"c.yml": b"name: !!python/name:os.system Example Fictional\n"},
        "c.yml:1: the tag !!python/name:os.system is not allowed",
        1,
    ),
    (
        "ranking-nan",
        ["who", "mlir"],
        {"CSF_RANKING_CONFIG": "r.yml"},
        {"r.yml": b"points:\n  merged_pr: .nan\n"},
        "'points.merged_pr' must be a finite number, not nan",
        1,
    ),
    (
        "ranking-inf-toml",
        ["who", "mlir"],
        {"CSF_RANKING_CONFIG": "r.toml"},
        {"r.toml": b"[points]\nreview_approved = inf\n"},
        "'points.review_approved' must be a finite number, not inf",
        1,
    ),
    (
        "ranking-endless-window",
        ["who", "mlir"],
        {"CSF_RANKING_CONFIG": "r.yml"},
        {"r.yml": b"window_days: 1.0e+300\n"},
        "'window_days' must be at most 36,500",
        1,
    ),
    (
        "digest-period-of-zero-days",
        ["digest"],
        {"CSF_RANKING_CONFIG": "r.yml"},
        {"r.yml": b"digest:\n  period_days: 0\n"},
        "'digest.period_days' must be 1 or more",
        1,
    ),
    (
        "size-reference-of-zero-lines",
        ["who", "mlir"],
        {"CSF_RANKING_CONFIG": "r.yml"},
        {"r.yml": b"size:\n  reference_lines: 0\n"},
        "'size.reference_lines' must be more than 0 (the lines added that count 1)",
        1,
    ),
    (
        "roles-nan-weight",
        ["profile", "x"],
        {"CSF_ROLES": "roles.yml"},
        {"roles.yml": b"version: 1\nwindow_days: .nan\n"},
        "roles.yml:2: window_days must be a finite number",
        1,
    ),
    (
        "sqlite-timeout-not-a-number",
        ["who", "mlir"],
        {"CSF_DATABASE_URL": "sqlite:///csf.db?timeout=abc"},
        {},
        "timeout='abc' in CSF_DATABASE_URL is not a number of seconds",
        1,
    ),
    (
        "sqlite-timeout-infinite",
        ["migrate"],
        {"CSF_DATABASE_URL": "sqlite:///csf.db?timeout=1e400"},
        {},
        "timeout='1e400'",
        1,
    ),
    (
        "store-is-a-text-file",
        ["who", "mlir"],
        {"CSF_DATABASE_URL": "sqlite:///notes.txt"},
        {"notes.txt": b"not a database, just notes\n" * 100},
        "cannot open the store at sqlite:///notes.txt: file is not a database",
        1,
    ),
    (
        "migrate-a-text-file",
        ["migrate"],
        {"CSF_DATABASE_URL": "sqlite:///notes.txt"},
        {"notes.txt": b"not a database, just notes\n" * 100},
        "file is not a database",
        1,
    ),
    ("export-to-a-folder", ["people", "export", "x", "--out", "."], {}, {}, "it is a folder", 1),
    (
        "export-name-too-long",
        ["people", "export", "x", "--out", LONG_NAME],
        {},
        {},
        "File name too long",
        1,
    ),
    (
        "png-to-a-missing-folder",
        ["map", "mlir", "--png", "no/such/dir/x.png"],
        {},
        {},
        "cannot write no/such/dir/x.png: there is no folder no/such/dir",
        1,
    ),
    (
        "export-to-a-missing-folder",
        ["people", "export", "x", "--out", "no/such/dir/x.json"],
        {},
        {},
        "there is no folder no/such/dir",
        1,
    ),
    (
        "affiliations-not-utf8",
        ["who", "mlir"],
        {"CSF_AFFILIATIONS": "a.yml"},
        {"a.yml": NOT_UTF8},
        "CSF_AFFILIATIONS: the affiliations file a.yml is not UTF-8 text (line 1: byte 0xe9)",
        1,
    ),
    (
        "affiliations-wrong-kind",
        ["profile", "x"],
        {"CSF_AFFILIATIONS": "a.yml"},
        {"a.yml": b"organisations:\n  x.example: {name: X, kind: startup}\n"},
        "a.yml: organisation 'x.example': kind must be one of university, research, company",
        1,
    ),
    (
        "roles-not-utf8",
        ["profile", "x"],
        {"CSF_ROLES": "roles.yml"},
        {"roles.yml": NOT_UTF8},
        "CSF_ROLES: the role file roles.yml is not UTF-8 text (line 1: byte 0xe9)",
        1,
    ),
    (
        "company-not-utf8",
        ["outreach", "x"],
        {"CSF_COMPANY_PROFILE": "c.yml"},
        {"c.yml": NOT_UTF8},
        "CSF_COMPANY_PROFILE: the company profile c.yml is not UTF-8 text",
        1,
    ),
    (
        "digest-post-with-slack-unreachable",
        ["digest", "--post"],
        NO_SLACK,
        {},
        "cannot reach Slack at http://127.0.0.1:",
        1,
    ),
    (
        "run-with-no-route-to-slack",
        ["run"],
        {**NO_SLACK, "PORT": str(_closed_port())},
        {},
        "for csf run: [Errno 111] Connection refused (check the network and SLACK_API_URL)",
        1,
    ),
    ("png-to-a-folder", ["map", "mlir", "--png", "."], {}, {}, "cannot write .: it is a folder", 1),
    ("demo-store-name-too-long", ["demo", "--store", LONG_NAME], {}, {}, "File name too long", 1),
    (
        "ingest-path-too-long",
        ["ingest", "git", LONG_NAME, "--repo", "llvm/llvm-project"],
        {},
        {},
        "File name too long",
        1,
    ),
]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty store at the head schema, copied into each case's folder as ./csf.db."""
    folder = tmp_path_factory.mktemp("store")
    assert csf(folder, "migrate").returncode == 0
    return folder / "csf.db"


@pytest.mark.parametrize(
    ("args", "env", "files", "expected", "status"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_a_bad_invocation_is_one_line_naming_the_problem(
    tmp_path: Path,
    migrated: Path,
    args: list[str],
    env: dict[str, str],
    files: dict[str, bytes],
    expected: str,
    status: int,
) -> None:
    shutil.copy(migrated, tmp_path / "csf.db")
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    result = csf(tmp_path, *args, **env)
    assert "Traceback" not in result.stderr
    assert result.returncode == status, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("csf: ")
    assert expected in lines[0]


def test_a_store_with_several_schema_revisions_is_one_line(tmp_path: Path, migrated: Path) -> None:
    import sqlite3

    shutil.copy(migrated, tmp_path / "csf.db")
    with sqlite3.connect(tmp_path / "csf.db") as connection:
        connection.execute("INSERT INTO alembic_version VALUES ('0001')")
    for args in (["who", "mlir"], ["migrate"]):
        result = csf(tmp_path, *args)
        assert result.returncode == 1, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith("csf: the store at sqlite:///")
        assert "csf.db records 2 schema revisions (0001, " in line
        assert line.endswith("it is not at, then run `csf migrate`")
