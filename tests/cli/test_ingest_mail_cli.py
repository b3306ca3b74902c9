"""`csf ingest mail` in the terminal: a summary line, then answers citing review by mail."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import csf
from tests.support.public_inbox import PublicInbox, message, patch_body

ADA = ("Ada Fictional", "ada@kernel.example")
BO = ("Bo Fictional", "bo@mail.example")


def test_ingest_mail_then_who_cites_the_mailed_review(tmp_path: Path) -> None:
    box = PublicInbox(tmp_path / "bpf")
    for n in range(4):
        box.add(
            message(
                ADA,
                f"[PATCH] bpf: verifier step {n}",
                f"s{n}.fictional@kernel.example",
                body=patch_body({"kernel/bpf/verifier.c": 90}),
            )
        )
        box.add(
            message(
                BO,
                f"Re: [PATCH] bpf: verifier step {n}",
                f"r{n}.fictional@lists.example",
                in_reply_to=f"s{n}.fictional@kernel.example",
                body="Reviewed-by: Bo Fictional <bo@mail.example>\n",
            )
        )
    assert csf(tmp_path, "migrate").returncode == 0
    result = csf(tmp_path, "ingest", "mail", str(box.path), "--list", "bpf", "-e", "linux")
    assert result.returncode == 0, result.stderr
    assert (
        "mail:bpf: 8 messages read; 4 patches and 4 reviews stored; 2 new people" in result.stdout
    )
    assert (
        "0 messages read"
        in csf(tmp_path, "ingest", "mail", str(box.path), "--list", "bpf", "-e", "linux").stdout
    )
    answer = csf(tmp_path, "who", "linux", "bpf", "--json", "--as-of", "2025-03-01")
    assert answer.returncode == 0, answer.stderr
    assert "Bo Fictional" in answer.stdout
    assert "https://lore.kernel.org/bpf/r0.fictional%40lists.example/" in answer.stdout
    assert "bo@mail.example" not in answer.stdout


def test_bad_archives_and_options_are_one_clear_line(tmp_path: Path) -> None:
    assert csf(tmp_path, "migrate").returncode == 0
    cases = [
        (["ingest", "mail", str(tmp_path), "--list", "bpf", "-e", "linux"], "not a public-inbox"),
        (["ingest", "mail", str(tmp_path), "--list", "b/../x", "-e", "linux"], "not a list name"),
        (
            [
                "ingest",
                "mail",
                str(tmp_path),
                "--list",
                "bpf",
                "-e",
                "linux",
                "--web",
                "https://evil.example/x",
            ],
            "CSF_ARCHIVE_HOSTS",
        ),
        (["ingest", "mail", str(tmp_path), "--list", "bpf", "-e", "nope"], "unknown ecosystem"),
    ]
    for args, said in cases:
        result = csf(tmp_path, *args)
        assert result.returncode == 1, (args, result.stderr)
        assert said in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def _busy_archive(path: Path, patches: int) -> PublicInbox:
    """Patches across two epochs, each answered by a review, in few fast-import runs."""
    box = PublicInbox(path)
    for epoch in (0, 1):
        batch: list[tuple[bytes, bool]] = []
        for n in range(patches):
            mid = f"{epoch}-{n}.fictional@kernel.example"
            subject = f"[PATCH] bpf: step {epoch}.{n}"
            batch.append(
                (message(ADA, subject, mid, body=patch_body({"kernel/bpf/core.c": 20})), False)
            )
            batch.append(
                (
                    message(
                        BO,
                        f"Re: {subject}",
                        f"r{epoch}-{n}.fictional@mail.example",
                        in_reply_to=mid,
                        body="Acked-by: Bo Fictional <bo@mail.example>\n",
                    ),
                    False,
                )
            )
        box.write(batch, epoch=epoch)
    return box


def _stored(folder: Path) -> list[tuple[str, str, str | None]]:
    import sqlite3

    with sqlite3.connect(folder / "csf.db") as db:
        return sorted(db.execute("SELECT kind, external_id, state FROM contribution").fetchall())


def test_ingest_killed_with_sigkill_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    import signal
    import sqlite3
    import time

    from tests.support.cli import csf_start

    box = _busy_archive(tmp_path / "bpf", 1000)  # 4,000 messages: two batches
    args = ("ingest", "mail", str(box.path), "--list", "bpf", "-e", "linux")
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for folder in (clean, killed):
        folder.mkdir()
        assert csf(folder, "migrate").returncode == 0
    assert csf(clean, *args).returncode == 0

    running = csf_start(killed, *args)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill -9 once the first batch is committed
        with sqlite3.connect(killed / "csf.db") as db:
            if db.execute("SELECT 1 FROM sync_cursor WHERE source = 'mail'").fetchone():
                break
        time.sleep(0.02)
    running.send_signal(signal.SIGKILL)
    running.communicate(timeout=30)
    assert running.returncode == -signal.SIGKILL
    partial = _stored(killed)
    assert 0 < len(partial) < 4000
    again = csf(killed, *args)
    assert again.returncode == 0, again.stderr
    assert _stored(killed) == _stored(clean)
    assert len(_stored(clean)) == 4000
