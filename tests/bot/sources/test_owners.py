"""Ownership files: CODEOWNERS, Markdown maintainer lists and the kernel's MAINTAINERS."""

from __future__ import annotations

import re

import pytest

from bot.sources.owners import (
    codeowners_glob,
    is_maintainer_file,
    parse_codeowners,
    parse_linux_maintainers,
    parse_markdown_maintainers,
    parse_owner_file,
)
from bot.store.identity import email_key
from bot.taxonomy.model import glob_to_regex


@pytest.mark.parametrize(
    ("pattern", "glob", "matches", "misses"),
    [
        ("*", "**", "any/file.c", None),
        (
            "/mlir/lib/Dialect/Linalg/",
            "mlir/lib/Dialect/Linalg/**",
            "mlir/lib/Dialect/Linalg/a.cpp",
            "x/mlir/lib/Dialect/Linalg/a.cpp",
        ),
        ("*.td", "**/*.td", "llvm/include/llvm/IR/Intrinsics.td", "README.md"),
        ("docs/", "**/docs/**", "mlir/docs/Passes.md", "documents/a.md"),
        ("/README.md", "README.md", "README.md", "sub/README.md"),
    ],
)
def test_codeowners_patterns(pattern: str, glob: str, matches: str, misses: str | None) -> None:
    assert codeowners_glob(pattern) == glob
    regex = re.compile(glob_to_regex(glob) + r"\Z")
    assert regex.match(matches)
    if misses:
        assert not regex.match(misses)


def test_codeowners_owners_and_comments() -> None:
    text = (
        "# Global owners\n"
        "*   @Ada-Fictional\n"
        "\n"
        "/mlir/  @example-org/mlir-team  bo@compilers.example  # trailing comment\n"
        "/empty/\n"
    )
    rows = parse_codeowners(text)
    assert [(r.line, r.pattern, r.owner_kind, r.owner_value) for r in rows] == [
        (2, "**", "github", "ada-fictional"),
        (4, "mlir/**", "team", "example-org/mlir-team"),
        (4, "mlir/**", "email", email_key("bo@compilers.example").value),
    ]


def test_markdown_maintainers_scope_and_areas() -> None:
    text = (
        "# MLIR maintainers\n"
        "\n"
        "### Bufferization\n"
        "Ada Fictional \\\n"
        "ada@compilers.example (email), "
        "[ada-fictional](https://github.com/ada-fictional) (GitHub)\n"
        "\n"
        "### Sparse\n"
        "Bo Fictional (@bo-fictional)\n"
    )
    rows = parse_markdown_maintainers(text, "mlir/Maintainers.md")
    summary = [(r.pattern, r.area, r.owner_kind, r.owner_value) for r in rows]
    assert ("mlir/**", "Bufferization", "github", "ada-fictional") in summary
    assert (
        "mlir/**",
        "Bufferization",
        "email",
        email_key("ada@compilers.example").value,
    ) in summary
    assert ("mlir/**", "Sparse", "github", "bo-fictional") in summary
    assert all("@" not in value for *_, value in summary if not value.startswith("sha256:"))
    root = parse_markdown_maintainers("@cyd-fictional\n", "Maintainers.md")
    assert [(r.pattern, r.owner_value) for r in root] == [("**", "cyd-fictional")]


def test_list_items_that_name_an_area_give_their_people_that_area_too() -> None:
    """The shape of LLVM's mlir/Maintainers.md: category people under `##` headings, then
    areas as list items under `####` groupings, owners in brackets after the area."""
    text = (
        "# MLIR Maintainers\n\n## Tensor Compiler\n\n"
        "- Una Fictional \\\n  [@una-fictional](https://github.com/una-fictional) (GitHub)\n\n"
        "#### Type Dialects\n"
        "* ‘vector’ Dialect (tensor + [@vic-fictional](https://github.com/vic-fictional))\n"
        "* ‘sparse_tensor’ Dialect ([@sid-fictional](https://github.com/sid-fictional))\n"
        "* Tensor Operator Set Architecture (TOSA) Dialect "
        "([@tia-fictional](https://github.com/tia-fictional))\n"
        "* ‘quant’ Dialect (unmaintained)\n"
    )
    rows = {(r.owner_value, r.area) for r in parse_markdown_maintainers(text, "mlir/M.md")}
    assert rows == {
        ("una-fictional", "Tensor Compiler"),
        ("vic-fictional", "Type Dialects"),
        ("vic-fictional", "vector"),
        ("sid-fictional", "Type Dialects"),
        ("sid-fictional", "sparse_tensor"),
        ("tia-fictional", "Type Dialects"),
        ("tia-fictional", "Tensor Operator Set Architecture"),
    }


def test_a_contributors_list_names_areas_after_people_and_roles_are_no_areas() -> None:
    """The shape of Apache-style CONTRIBUTORS.md files: a role heading, then one person per
    item with the areas they know after their handle; emeritus people own nothing."""
    text = (
        "# Contributors\n\n## Committers\n"
        "We add tags to show the areas committers are familiar with.\n\n"
        "- [Ada Fictional](https://github.com/ada-fictional) (PMC): @ada-fictional - relay, topi\n"
        "- [Bo Fictional](https://github.com/bo-fictional): @bo-fictional - tir, arith and byoc\n"
        "- [Cy Fictional](https://github.com/cy-fictional)\n\n"
        "## Reviewers\n- [Di Fictional](https://github.com/di-fictional): @di-fictional\n\n"
        "## Emeritus Committers\n- [Ed Fictional](https://github.com/ed-fictional) - relay\n"
    )
    rows = {(r.owner_value, r.area) for r in parse_owner_file(text, "CONTRIBUTORS.md")}
    assert rows == {
        ("ada-fictional", None),
        ("ada-fictional", "relay"),
        ("ada-fictional", "topi"),
        ("bo-fictional", None),
        ("bo-fictional", "tir"),
        ("bo-fictional", "arith"),
        ("bo-fictional", "byoc"),
        ("cy-fictional", None),
        ("di-fictional", None),
    }


def test_linux_maintainers_sections() -> None:
    text = (
        "SCHEDULER\n"
        "M:\tAda Fictional <ada@kernel-fictional.example>\n"
        "R:\tBo Fictional <bo@kernel-fictional.example>\n"
        "L:\tlinux-kernel@vger.kernel.example\n"
        "S:\tMaintained\n"
        "F:\tkernel/sched/\n"
        "F:\tinclude/linux/sched.h\n"
        "\n"
        "BPF\n"
        "M:\tCyd Fictional <cyd@kernel-fictional.example>\n"
        "F:\tkernel/bpf/\n"
    )
    rows = parse_linux_maintainers(text)
    assert len(rows) == 5
    ada = email_key("ada@kernel-fictional.example").value
    assert {(r.pattern, r.area) for r in rows if r.owner_value == ada} == {
        ("kernel/sched/**", "SCHEDULER"),
        ("include/linux/sched.h", "SCHEDULER"),
    }
    # The mailing list (L:) is not a person.
    assert email_key("linux-kernel@vger.kernel.example").value not in {r.owner_value for r in rows}
    assert parse_owner_file(text, "MAINTAINERS") == rows


def test_maintainer_file_names() -> None:
    for name in (
        "Maintainers.md",
        "MAINTAINERS",
        "MAINTAINERS.txt",
        "CODE_OWNERS.TXT",
        "maintainers.rst",
        "CONTRIBUTORS.md",
    ):
        assert is_maintainer_file(name), name
    for name in ("README.md", "Maintainers.md.bak", "CODEOWNERS"):
        assert not is_maintainer_file(name), name


def test_owner_addresses_of_every_shape_are_hashed_and_unreachable_ones_skipped() -> None:
    rows = parse_codeowners("/docs/ owner@bücher.example root@localhost @eve-fictional\n")
    assert [(r.owner_kind, r.owner_value) for r in rows] == [
        ("email", email_key("owner@bücher.example").value),
        ("github", "eve-fictional"),
    ]
    text = "L: list\nM:\tDee <dee@bücher.example>, root@localhost\nF:\tdocs/\n"
    assert [r.owner_value for r in parse_linux_maintainers("TITLE\n" + text)] == [
        email_key("dee@bücher.example").value
    ]


def test_forum_names_pair_with_the_one_account_of_their_entry_in_both_llvm_layouts() -> None:
    from bot.sources.owners import forum_handles

    # llvm/Maintainers.md: name lines ending in a Markdown break, details after, several
    # people in one paragraph, a maintainer listed under several areas.
    llvm = (
        "### Lead maintainer\n\nAda Quill \\\n"
        "ada@quill.example (email), [ada-quill](https://github.com/ada-quill) (GitHub), "
        "ada_q (Discourse)\n\n#### AliasAnalysis\n\nAda Quill \\\n"
        "ada@quill.example (email), [ada-quill](https://github.com/ada-quill) (GitHub), "
        "ada_q (Discourse) \\\nBo Widget \\\n"
        "bo@widget.example (email), [bo-widget](https://github.com/bo-widget) (GitHub)\n\n"
        "#### Inlining\n\nCy Frame (esp. the ML inliner) \\\n"
        "cy@frame.example (email), [cy-frame](https://github.com/cy-frame) (GitHub), "
        "cyf (Discourse)\n"
    )
    assert forum_handles(llvm) == [("ada-quill", "ada_q"), ("cy-frame", "cyf")]
    # mlir/Maintainers.md: a list item, then indented details.
    mlir = (
        "## Core\n\n- Ada Quill \\\n  ada@x.example (email),\n"
        "  [@ada-quill](https://github.com/ada-quill) (GitHub),\n  ada_q (Discourse)\n"
        "* CMake ([cy-f](https://github.com/cy-f), [di-f](https://github.com/di-f))\n"
    )
    assert forum_handles(mlir) == [("ada-quill", "ada_q")]
