"""Reading public-inbox v2 archives: epochs in order, removals, resuming, and what a message is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sources.mail import (
    ArchiveCursor,
    MailArchiveError,
    message_hash,
    parse_message,
    read_messages,
)
from tests.support.public_inbox import START, PublicInbox, message, patch_body

ADA = ("Ada Fictional", "ada@kernel.example")
BO = ("Bo Fictional", "bo@mail.example")


def test_a_patch_in_a_series_says_its_version_place_and_files() -> None:
    raw = message(
        ADA,
        "[PATCH bpf-next v3 2/5] bpf: Track spilled registers",
        "20250106.2-ada@kernel.example",
        body=patch_body(
            {"kernel/bpf/verifier.c": 40, "kernel/bpf/spill.c": 12},
            created=("kernel/bpf/spill.c",),
        ),
        in_reply_to="cover@kernel.example",
    )
    mail = parse_message(raw)
    assert mail is not None
    assert mail.is_patch
    assert not mail.is_reply
    assert not mail.is_cover
    assert (mail.patch_title, mail.version, mail.index, mail.total) == (
        "bpf: Track spilled registers",
        3,
        2,
        5,
    )
    assert [(f.path, f.added, f.deleted, f.created) for f in mail.files] == [
        ("kernel/bpf/verifier.c", 40, 0, False),
        ("kernel/bpf/spill.c", 12, 0, True),
    ]
    cover = parse_message(message(ADA, "[PATCH v3 0/5] bpf: spills", "cover@kernel.example"))
    assert cover is not None
    assert cover.is_cover
    assert not cover.is_patch


def test_only_review_lines_the_sender_wrote_count_and_inline_review_needs_words() -> None:
    quoted = "> Reviewed-by: Cy Fictional <cy@mail.example>\n"
    own = "Reviewed-by: Bo Fictional <bo@mail.example>\n"
    someone_else = "Acked-by: Cy Fictional <cy@mail.example>\n"
    reply = parse_message(
        message(BO, "Re: [PATCH] bpf: x", "r@mail.example", body=quoted + own + someone_else)
    )
    assert reply is not None
    assert reply.is_reply
    assert reply.trailers == ["reviewed-by"]
    inline = (
        "On Mon, Ada Fictional wrote:\n> @@ -1,1 +1,2 @@\n> +line 0\n"
        "This loses the bounds check the caller relies on; please keep it and add a test.\n"
    )
    assert parse_message(message(BO, "Re: [PATCH] x", "i@mail.example", body=inline)).inline_review  # type: ignore[union-attr]
    thanks = "> +line 0\nThanks, looks good!\n"
    assert not parse_message(
        message(BO, "Re: [PATCH] x", "t@mail.example", body=thanks)
    ).inline_review  # type: ignore[union-attr]
    # A plain discussion reply with many words but no quoted diff is not inline review.
    talk = "I wonder whether we should discuss this at the conference next month instead.\n"
    assert not parse_message(message(BO, "Re: x", "d@mail.example", body=talk)).inline_review  # type: ignore[union-attr]


def test_hostile_headers_give_their_best_reading() -> None:
    latin = message(
        ("Zoë Fictional", "zoe@mail.example"),
        "",
        "l@mail.example",
        raw_subject=b"[PATCH] mm: caf\xe9 \x00fix",
    )
    mail = parse_message(latin)
    assert mail is not None
    assert mail.patch_title == "mm: café fix"
    encoded = message(
        BO, "", "e@mail.example", raw_subject=b"=?UTF-8?q?=5BPATCH=5D_mm=3A_na=C3=AFve?="
    )
    assert parse_message(encoded).patch_title == "mm: naïve"  # type: ignore[union-attr]
    broken = message(BO, "", "b@mail.example", raw_subject=b"=?x-unknown?q?=ZZ?= hi")
    assert parse_message(broken) is not None
    no_id = b"From: Bo <bo@mail.example>\nSubject: hi\n\nbody"
    assert parse_message(no_id) is None
    received = datetime(2025, 2, 1, tzinfo=UTC)
    bad_date = b"From: Bo <bo@mail.example>\nDate: yesterday-ish\nMessage-ID: <x@y.example>\n\n"
    assert parse_message(bad_date, received=received).sent_at == received  # type: ignore[union-attr]
    summer = message(BO, "hi", "s@mail.example", when=START).replace(
        b"+0000", b"+0200"
    )  # the sender's clock, as their Date header says
    assert parse_message(summer).utc_offset == 120  # type: ignore[union-attr]


def test_epochs_are_read_in_order_with_removals_and_resume(tmp_path: Path) -> None:
    box = PublicInbox(tmp_path / "bpf")
    first = message(ADA, "[PATCH] bpf: one", "one@kernel.example")
    box.add(first)
    box.add(
        message(BO, "Re: [PATCH] bpf: one", "two@mail.example", in_reply_to="one@kernel.example")
    )
    box.remove(first)
    for n in range(3):
        box.add(message(ADA, f"[PATCH] bpf: later {n}", f"l{n}@kernel.example"), epoch=1)
    box.epoch(2)  # an epoch not written yet: no commits, nothing wrong
    read = list(read_messages(box.path))
    assert [(m.epoch, m.subject, m.removed) for m in read] == [
        (0, "[PATCH] bpf: one", False),
        (0, "Re: [PATCH] bpf: one", False),
        (0, "[PATCH] bpf: one", True),
        (1, "[PATCH] bpf: later 0", False),
        (1, "[PATCH] bpf: later 1", False),
        (1, "[PATCH] bpf: later 2", False),
    ]
    # Resuming after the fourth message reads exactly the rest, also of later epochs.
    cursor = ArchiveCursor(read[3].epoch, read[3].commit)
    assert [m.subject for m in read_messages(box.path, after=cursor)] == [
        "[PATCH] bpf: later 1",
        "[PATCH] bpf: later 2",
    ]
    assert message_hash("<One@Kernel.example>".strip("<>")) == message_hash("one@kernel.example")


def test_a_folder_that_is_not_an_archive_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MailArchiveError, match="not a public-inbox v2 archive"):
        list(read_messages(tmp_path))
    box = PublicInbox(tmp_path / "x")
    box.add(message(ADA, "[PATCH] a", "a@kernel.example"))
    gone = ArchiveCursor(0, "0" * 40)
    with pytest.raises(MailArchiveError, match="rerun with --full"):
        list(read_messages(box.path, after=gone))


def test_a_message_without_an_id_is_said_and_skipped(tmp_path: Path) -> None:
    box = PublicInbox(tmp_path / "x")
    box.add(b"From: Bo <bo@mail.example>\nSubject: [PATCH] no id\n\n")
    box.add(message(ADA, "[PATCH] fine", "f@kernel.example"))
    problems: list[str] = []
    assert [m.subject for m in read_messages(box.path, problems=problems)] == ["[PATCH] fine"]
    assert len(problems) == 1
    assert "no Message-ID or sender" in problems[0]


def test_diffs_are_counted_per_file_up_to_the_signature() -> None:
    body = (
        "Why.\n---\n mm/slub.c | 3 ++-\n\n"
        "diff --git a/mm/slub.c b/mm/slub.c\nindex 1..2 100644\n--- a/mm/slub.c\n+++ b/mm/slub.c\n"
        "@@ -1,3 +1,4 @@\n context\n-old line\n--- a line that starts with two dashes\n"
        "+new line\n+++ a line that starts with two pluses\n+another\n"
        "diff --git a/mm/new.c b/mm/new.c\nnew file mode 100644\n--- /dev/null\n+++ b/mm/new.c\n"
        "@@ -0,0 +1,1 @@\n+fresh\n-- \n2.47.0\n+not diff\n"
    )
    mail = parse_message(message(ADA, "[PATCH] mm: two files", "d@kernel.example", body=body))
    assert mail is not None
    assert [(f.path, f.added, f.deleted, f.created) for f in mail.files] == [
        ("mm/slub.c", 3, 2, False),
        ("mm/new.c", 1, 0, True),
    ]
    plain = "Why.\n--- a/mm/old.c\n+++ b/mm/old.c\n@@ -1 +1 @@\n-a\n+b\n"
    mail = parse_message(message(ADA, "[PATCH] mm: plain", "p@kernel.example", body=plain))
    assert mail is not None
    assert [(f.path, f.added, f.deleted) for f in mail.files] == [("mm/old.c", 1, 1)]


def test_hostile_bodies_and_dates_are_read_in_time_and_never_raise() -> None:
    import time

    spaces = "Reviewed-by: " + " " * 200_000 + "x\n"  # once backtracked for hours
    started = time.perf_counter()
    reply = parse_message(message(BO, "Re: [PATCH] x", "h@mail.example", body=spaces))
    assert reply is not None
    assert reply.trailers == []
    assert time.perf_counter() - started < 5
    idna = (
        message(ADA, "[PATCH] x", "i@kernel.example", body="hi").replace(
            b"charset=utf-8", b"charset=idna"
        )
        + b"\xff"
    )
    assert parse_message(idna) is not None  # `idna` cannot decode with replacement: UTF-8 then
    received = datetime(2025, 2, 1, tzinfo=UTC)
    for year in (b"9999", b"0100"):
        far = b"From: Bo <bo@mail.example>\nDate: Fri, 31 Dec " + year
        far += b" 23:59:59 -0000\nMessage-ID: <f@y.example>\n\n"
        assert parse_message(far, received=received).sent_at == received  # type: ignore[union-attr]
