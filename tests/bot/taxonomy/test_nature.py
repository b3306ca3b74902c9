"""Upkeep that builds no expertise, classified from a change's title, paths and size."""

from __future__ import annotations

import pytest

from bot.taxonomy.nature import classify, explain, why


@pytest.mark.parametrize(
    ("title", "paths", "added", "deleted", "nature"),
    [
        ("Integrate LLVM at llvm/llvm-project@0123abc", ["BUILD"], 3, 3, "integrate"),
        ("[sync-bot] Sync to llvm 0123abc", ["x.cpp"], 1, 1, "integrate"),
        ("[BACKEND] Bump to llvm/llvm-project@0123abc", ["a"], 1, 1, "integrate"),
        ("Merge OpenAI Triton commit `0123abc`", ["a"], 900, 10, "integrate"),
        ("Bump actions/checkout from 3 to 4", [".github/x.yml"], 1, 1, "bump"),
        ('Revert "[AMD] Add a pass"', ["a.cpp"], 10, 200, "revert"),
        ("Run clang-format on the dialect", ["a.cpp"], 50, 50, "format"),
        ("Update lock file", ["uv.lock"], 300, 200, "generated"),
        ("[Relay] Remove Relay", ["a.cc", "b.cc"], 3, 40000, "deletion"),
        ("[NFC] Rename the attribute", [f"f{n}.cpp" for n in range(30)], 90, 90, "nfc_sweep"),
        ("[TorchToLinalg] Lower aten.gather", ["lib/Conversion/A.cpp"], 300, 20, None),
        ("[NFC] Tidy one helper", ["a.cpp"], 10, 10, None),  # a small NFC change is real work
        # A vendor's headers, by title or by where they are kept (a lint file edited beside them).
        ("[AMD] Update HIP header files to 7.1", ["x/include/hip/a.h"], 9000, 30000, "generated"),
        ("Add tracer headers from ROCm v6.1", ["include/hsa/a.h"], 25000, 0, "generated"),
        (
            "[AMD] Add profiler headers for the profiler's use",
            [f"third_party/amd/backend/include/hsa/h{n}.h" for n in range(20)]
            + ["third_party/proton/lib/Tracer.cpp", ".pre-commit-config.yaml"],
            9000,
            1,
            "generated",
        ),
        ("Bump pybind11", ["third_party/pybind11"], 1, 1, "generated"),  # a pinned submodule
        # Two vendored files beside one real one: the real one may be the work.
        (
            "[AMD] Use the new tracer API",
            ["third_party/amd/backend/include/hsa/a.h", "3rdparty/include/hsa/b.h", "lib/T.cpp"],
            400,
            10,
            None,
        ),
        ("Add header for the Foo dialect", ["include/Foo/FooOps.h"], 300, 0, None),
        # Code copied in to be customised later; not the code a copy op or a pass copies.
        (
            "[NFI] Copy Coalesce pass for further customization",
            ["a.cpp", "b.h"],
            250,
            5,
            "generated",
        ),
        ("Copy the quantizer to the ARM backend", ["arm/q.py"], 1400, 0, "generated"),
        (
            "Copy codegen from torchgen to this repo",
            [f"c{n}.py" for n in range(12)],
            2300,
            4,
            "generated",
        ),
        ("[Backend] Copy attributes to new loop in RewriteTensorPointer", ["a.cpp"], 3, 1, None),
        ("import complex.h from c10", ["runtime/core/complex.h"], 1100, 30, "generated"),
        ("Import the pass from the old dialect", ["lib/Pass.cpp"], 300, 10, None),
        ("[llama] Bump the PyTorch pin to 20250811", ["a.h", "b.h"], 2100, 2000, "bump"),
        ("Update tokenizers submodule to the linear-time path", ["third-party/tok"], 1, 1, "bump"),
        ("Update the pin handling in the register allocator", ["lib/RA.cpp"], 90, 10, None),
        ("Uplift third_party/tt-metal to 0123abc", ["third_party/CMakeLists.txt"], 1, 1, "bump"),
        ("Arm backend: Uplift the SDK to 26.02", ["backends/arm/sdk.sh"], 20, 20, "bump"),
        ("Performance uplift for the conv kernel", ["lib/Conv.cpp"], 200, 40, None),
        ("clang format", ["a.cpp", "b.cpp"], 900, 800, "format"),
        (
            "Format all cmake files.",
            [f"d{n}/CMakeLists.txt" for n in range(47)],
            1400,
            1200,
            "format",
        ),
        (
            "Add cmake-format linter",
            [f"d{n}/CMakeLists.txt" for n in range(57)],
            670,
            580,
            "format",
        ),
        ("Format the attribute's printed form", ["lib/Attr.cpp"], 60, 20, None),
        ("Copy propagation from loads through casts", ["lib/CopyProp.cpp"], 300, 10, None),
        ("[Linalg] Copy op lowering to the backend", ["lib/Copy.cpp"], 200, 10, None),
    ],
)
def test_changes_are_classified_by_the_first_rule_that_holds(
    title: str, paths: list[str], added: int, deleted: int, nature: str | None
) -> None:
    assert classify(title, paths, added, deleted) == nature
    found = explain(title, paths, added, deleted)
    assert (found[0] if found else None) == nature
    if nature is not None:
        assert found is not None
        assert why(nature, title, added, deleted, len(paths))  # an answer can say why


def test_data_committed_by_hand_is_told_by_lines_per_file() -> None:
    """A vocabulary or a dumped model adds thousands of lines per file; hand-written work of the
    same size spreads over many files. GitHub lists a large PR's files only in part, so the
    count of files it touched, when given, decides."""
    vocabulary = explain("[LLM] Add text container", ["a/vocab.txt", "a/x.py"], 30789, 0)
    assert vocabulary == (
        "generated",
        "adds 15,394 lines per file on average: data or generated code",
    )
    assert why("generated", "[LLM] Add text container", 30789, 0, 2) == vocabulary[1]
    assert classify("[Backend] Add instructions", [f"f{n}.td" for n in range(14)], 8443, 15) is None
    assert classify("Add the big pass", ["a.cpp", "b.cpp"], 4800, 0) is None  # under min_added
    # Three of forty files listed: 9,000 lines over forty files is ordinary work.
    assert classify("Add a backend", ["a.cpp", "b.cpp", "c.cpp"], 9000, 0, files=40) is None
    assert classify("Add a backend", ["a.cpp", "b.cpp", "c.cpp"], 9000, 0) == "generated"


def test_the_joined_title_rules_match_exactly_where_one_rule_does() -> None:
    """Titles are first tried against all rules at once; the join must never hide a rule."""
    from bot.taxonomy.nature import _any_of, _rules

    rules = _rules()
    titles = [
        "Integrate LLVM at llvm/llvm-project@0123abc",
        'Revert "[AMD] Add a pass"',
        "[TorchToLinalg] Lower aten.gather",
        "Bump actions/checkout from 3 to 4",
        "Add a pass",
    ]
    for title in titles:
        one = any(compiled.search(title) for _, compiled, _ in rules.titles)
        assert rules.any_title.hit(title) == one
    # A join that would renumber a backreference (or move an inline flag) is not made:
    # every title is then tried rule by rule.
    assert _any_of([r"(ab)\1", "x"]).search("no match here") is not None
    assert _any_of(["(?i)x"]).search("y") is not None
    assert _any_of(["(q)?w", "(c)?(?(1)x|y)z"]).search("cxz") is not None
    assert _any_of([]).search("anything") is None
    # An escaped parenthesis made optional (`\(?`) is no conditional group: the join is made.
    assert _any_of([r"\(?(from|under)\b", "x"]).search("no match here") is None
    assert _any_of([r"\\\\(?(1)x|y)"]).search("no match here") is not None  # a real one


def test_rules_anchored_at_the_start_are_tried_there_alone_and_still_exactly() -> None:
    """`^...` rules are joined and tried at the start only; a `|` outside any group leaves a
    rule unanchored in its other branch, and such a rule is searched for everywhere."""
    from bot.taxonomy.nature import _AnyOf

    rules = _AnyOf.of([r"^revert\b", r"^bump|version bump", r"\bnfc\b", r"^\[(a|b)\] x"])
    assert rules.hit("Revert the pass")
    assert not rules.hit("Do not revert the pass")  # anchored: not found later on
    assert rules.hit("Release: version bump")  # the unanchored branch of `^bump|version bump`
    assert rules.hit("[NFC] tidy")
    assert rules.hit("[b] x marks")
    assert not rules.hit("see [b] x")
    assert _AnyOf.of([]).hit("anything") is False
    # A comment may hold a bracket or a parenthesis: its rule is not taken as anchored.
    assert _AnyOf.of([r"^a(?#()|b"]).hit("xb")
    # A join that cannot be made (an inline flag) tries every rule: the prefilter says yes.
    assert _AnyOf.of(["(?i)^x", "y"]).hit("z")
