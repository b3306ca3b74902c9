"""Links from data are rebuilt from parsed, allowed parts, or are no links at all."""

from __future__ import annotations

import pytest

from bot.store.links import (
    allowed_link,
    archive_base,
    archive_link,
    differential_link,
    github_page,
)
from bot.store.models import ContributionKind, utcnow
from bot.store.writes import ContributionRecord


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (
            "https://github.com/llvm/llvm-project/pull/12",
            "https://github.com/llvm/llvm-project/pull/12",
        ),
        (
            "http://WWW.GitHub.com/llvm/llvm-project/pull/0012/files?w=1#pullrequestreview-9",
            "https://github.com/llvm/llvm-project/pull/12#pullrequestreview-9",
        ),
        (
            "https://github.com/o/r.js/issues/3#issuecomment-77",
            "https://github.com/o/r.js/issues/3#issuecomment-77",
        ),
        ("https://github.com/o/r/issues/3#evil", "https://github.com/o/r/issues/3"),
        ("https://github.com/o/r/commit/ABCDEF1", "https://github.com/o/r/commit/abcdef1"),
        (
            "https://github.com/o/r/pull/7/commits/abcdef9",
            "https://github.com/o/r/pull/7/commits/abcdef9",
        ),
        ("https://github.com/Ada-Fictional", "https://github.com/Ada-Fictional"),
        ("https://github.com/o/r", "https://github.com/o/r"),
        (" https://reviews.llvm.org/D4242 ", "https://reviews.llvm.org/D4242"),
        ("https://evil.example/phish%7CD123", None),
        ("https://github.com.evil.example/o/r/pull/1", None),
        ("https://github.com@evil.example/o/r/pull/1", None),
        ("https://github.com:8443/o/r/pull/1", None),
        ("https://github.com/o/r/pull/1|Fix thing", None),
        ("https://github.com/o/r/pull/1>x", None),
        ("https://github.com/o%7Cx/r/pull/1", None),
        ("https://github.com/-bad/r", None),
        ("https://github.com/o/../pull/1", None),
        ("https://github.com/o/r/pull/１２", None),  # fullwidth digits are digits to Python
        ("https://github.com/o/r/tree/main", None),
        ("https://github.com/", None),
        ("javascript:alert(1)//github.com/o", None),
        ("https://reviews.llvm.org/D12/x", None),
        (None, None),
    ],
)
def test_allowed_links(given: str | None, kept: str | None) -> None:
    assert allowed_link(given) == kept


def test_differential_revisions_are_rebuilt_from_their_number() -> None:
    assert differential_link("http://reviews.llvm.org/D00042/") == "https://reviews.llvm.org/D42"
    assert differential_link("https://reviews.llvm.example/D42") is None
    assert differential_link("D42") is None


def test_pages_keep_only_parts_that_pass_githubs_rules() -> None:
    assert github_page("o/r/pull/7/files") == github_page("o/r/pull/7")
    assert github_page("o/r/pull/7", "discussion_r5") is not None
    assert github_page("a" * 40) is None  # logins stop at 39
    assert github_page("o/" + "r" * 101) is None


def test_a_record_keeps_only_an_allowed_link() -> None:
    now = utcnow()

    def record(url: str) -> ContributionRecord:
        return ContributionRecord(1, 1, ContributionKind.COMMIT, "x", now, now, url=url)

    assert record("https://evil.example/x").url is None
    assert (
        record("HTTPS://GITHUB.COM/o/r/commit/ABCDEF1").url
        == "https://github.com/o/r/commit/abcdef1"
    )


def test_archive_links_are_built_from_an_allowed_base_and_escaped_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = archive_base("https://lore.kernel.org/bpf/")
    assert base == "https://lore.kernel.org/bpf"
    # An id cannot add a path, a query or close Slack's <url|label>.
    assert archive_link(base, "a/b?c|d>e@x.example") == (
        "https://lore.kernel.org/bpf/a%2Fb%3Fc%7Cd%3Ee%40x.example/"
    )
    assert allowed_link("https://lore.kernel.org/bpf/id%40x.example/") is not None
    # A link on a host nobody allowed is no link, however it is spelt.
    assert allowed_link("https://lists.example/bpf/id/") is None
    assert allowed_link("https://lore.kernel.org/bpf/<b>/") is None
    assert allowed_link("http://lore.kernel.org/bpf/id/") is None
    with pytest.raises(ValueError, match="CSF_ARCHIVE_HOSTS"):
        archive_base("https://lists.example/bpf")
    monkeypatch.setenv("CSF_ARCHIVE_HOSTS", "lists.example")
    assert archive_link(archive_base("https://lists.example/bpf"), "m1") == (
        "https://lists.example/bpf/m1/"
    )


def test_archive_hosts_come_from_the_settings_too() -> None:
    from bot.config import load_settings
    from bot.errors import ConfigError
    from bot.store.links import allow_archive_hosts

    try:
        settings = load_settings({"CSF_ARCHIVE_HOSTS": "Lists.Example, mirror.example"})
        assert settings.archive_hosts == "lists.example,mirror.example"
        allow_archive_hosts(settings.archive_hosts)  # as open_store and load_runtime do
        assert archive_base("https://mirror.example/bpf") == "https://mirror.example/bpf"
        with pytest.raises(ConfigError, match="CSF_ARCHIVE_HOSTS"):
            load_settings({"CSF_ARCHIVE_HOSTS": "https://bad/"})
        allow_archive_hosts(None)
        with pytest.raises(ValueError, match="not an allowed archive host"):
            archive_base("https://mirror.example/bpf")
    finally:
        allow_archive_hosts(None)
