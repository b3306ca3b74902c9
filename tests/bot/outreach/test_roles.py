"""Role profiles as data, and role fit on fictional worlds: ratings follow the evidence."""

from __future__ import annotations

import fnmatch
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.errors import CsfError, DataFileError
from bot.outreach.roles import (
    DimensionFit,
    Rating,
    RoleFit,
    as_json,
    default_roles,
    load_roles,
    parse_roles,
    role_fit,
)
from bot.store.models import Person
from bot.taxonomy.model import default_taxonomy
from tests.support.ranking_world import World

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
LINALG = "mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp"
LINALG_TEST = "mlir/test/Dialect/Linalg/tile.mlir"
RUST = "compiler/rustc_codegen/src/lower.rs"

MINIMAL = """\
dimensions:
  testing:
    name: Testing
    asks: tests with changes
    signals:
      - measure: share_touching
        what: test paths
        paths: ["**/test/**"]
        strong: 0.6
        moderate: 0.3
roles:
  tester:
    name: Tester
    pitch: writes tests
    dimensions:
      testing: 1
"""


def test_the_shipped_roles_load_with_a_complete_staff_profile() -> None:
    book = default_roles()
    staff = book.get()
    assert staff.name == "Staff Compiler Engineer"
    keys = [dimension.key for dimension, _ in staff.dimensions]
    assert keys == [
        "compiler_fundamentals",
        "systems_programming",
        "testing",
        "performance",
        "build_toolchain",
        "llvm_mlir",
        "gpu_codegen",
        "leadership",
    ]
    assert {r.name for r in book.roles} >= {"Senior ML Compiler Engineer", "GPU Kernel Engineer"}
    assert book.get("gpu").name == "GPU Kernel Engineer"
    assert book.get("Senior ML Compiler Engineer").article == "a"
    assert book.get("ml compiler").key == "senior_ml_compiler_engineer"
    with pytest.raises(CsfError, match="unknown role 'cobol': choose one of staff_compiler"):
        book.get("cobol")


def test_every_shipped_topic_pattern_names_a_taxonomy_tag() -> None:
    """A typo in a topic pattern would silently rate everyone 'no public evidence'."""
    taxonomy = default_taxonomy()
    tags = {eco.key for eco in taxonomy.ecosystems} | set(taxonomy.topics_by_id())
    for role in default_roles().roles:
        for dimension, _ in role.dimensions:
            for signal in dimension.signals:
                for pattern in signal.topics:
                    assert fnmatch.filter(tags, pattern), (dimension.key, pattern)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "        what: test paths\n",
            "        what: test paths\n        wieght: 2\n",
            "roles.yml:8: dimension 'testing' signal 1 (share_touching): unknown setting 'wieght'",
        ),
        (
            "measure: share_touching",
            "measure: vibes",
            "roles.yml:6: dimension 'testing' signal 1: unknown measure 'vibes'",
        ),
        (
            "        moderate: 0.3",
            "        moderate: 0.9",
            "roles.yml:10: dimension 'testing' signal 1 (share_touching): needs 0 < moderate <= "
            "strong",
        ),
        (
            "        strong: 0.6",
            "        strong: 6",
            "roles.yml:9: dimension 'testing' signal 1 (share_touching) strong must be between "
            "0 and 1",
        ),
        (
            '["**/test/**"]',
            '["test/{a,b"]',
            "roles.yml:8: dimension 'testing' signal 1 (share_touching) paths: unclosed '{'",
        ),
        (
            "      testing: 1\n",
            "      testing: 1\n      tesing: 1\n",
            "roles.yml:17: role 'tester': unknown dimension 'tesing' (known: testing)",
        ),
        (
            "      testing: 1\n",
            "      testing: 0\n",
            "roles.yml:16: role 'tester': the weight of 'testing' must be above 0",
        ),
        (
            "    pitch: writes tests\n",
            "",
            "roles.yml:13: role 'tester' needs 'pitch:'",
        ),
        (
            "  tester:\n",
            "  Tester:\n",
            "roles.yml:12: role 'Tester': names are lower-case letters, digits and _",
        ),
        (
            "roles:\n",
            "version: 2\nroles:\n",
            "roles.yml:11: version must be 1",
        ),
        (
            "    asks: tests with changes\n",
            "    asks: tests with changes\n    name: Again\n",
            "roles.yml:5: dimension 'testing': 'name' appears twice (first on line 3)",
        ),
        (
            "        strong: 0.6\n",
            "        strong: [0.6\n",
            "roles.yml:10: ",
        ),
    ],
)
def test_role_file_mistakes_name_the_line(old: str, new: str, message: str) -> None:
    text = MINIMAL.replace(old, new)
    assert text != MINIMAL
    with pytest.raises(DataFileError) as caught:
        parse_roles(text, "roles.yml")
    assert str(caught.value).startswith(message)


def test_a_setting_of_another_measure_is_refused() -> None:
    # A key that belongs to another measure is a mistake too: languages mean nothing here.
    text = MINIMAL.replace(
        "        what: test paths\n", "        languages: [C++]\n        what: x\n"
    )
    with pytest.raises(DataFileError, match=r"roles.yml:7: .*unknown setting 'languages'"):
        parse_roles(text, "roles.yml")


def test_a_team_file_adds_roles_reusing_shipped_dimensions(tmp_path: Path) -> None:
    team = tmp_path / "team-roles.yml"
    team.write_text(
        "default_role: tooling\n"
        "roles:\n"
        "  tooling:\n"
        "    name: Compiler Tooling Engineer\n"
        "    pitch: builds the tools compiler engineers use every day\n"
        "    dimensions: {testing: 1, build_toolchain: 2}\n"
    )
    book = load_roles(team)
    assert book.get().name == "Compiler Tooling Engineer"
    assert [d.key for d, _ in book.get().dimensions] == ["testing", "build_toolchain"]
    assert book.get("staff").name == "Staff Compiler Engineer"  # the shipped ones stay
    team.write_text(team.read_text().replace("build_toolchain", "build_tolchain"))
    with pytest.raises(DataFileError) as caught:
        load_roles(team)
    assert str(caught.value).startswith(
        f"{team}:6: role 'tooling': unknown dimension 'build_tolchain'"
    )
    with pytest.raises(DataFileError, match="CSF_ROLES: cannot read the role file"):
        load_roles(tmp_path / "missing.yml")


# -- role fit -----------------------------------------------------------------------------------


def _fit(
    session: Session,
    world: World,
    login: str,
    role: str | None = None,
    window_days: int | None = None,
) -> RoleFit:
    person = session.get(Person, world.people[login])
    assert person is not None
    return role_fit(
        session, person, default_roles().get(role), as_of=AS_OF, window_days=window_days
    )


def _dimension(fit: RoleFit, key: str) -> DimensionFit:
    return next(d for d in fit.dimensions if d.key == key)


@pytest.fixture
def world(session: Session) -> World:
    w = World(session)
    # Every change comes with a lit test.
    w.merged("tess-tester", 8, 300, every=20, paths=(LINALG, LINALG_TEST), title="[mlir] tile")
    # Same area, never a test.
    w.merged("nate-notests", 8, 300, every=20, paths=(LINALG,), title="[mlir] tweak linalg")
    # Reviews for five different authors, and an RFC thread.
    for author in ("a1-fictional", "a2-fictional", "a3-fictional", "a4-fictional"):
        number = w.add(author, "pr", 200, state="merged", paths=(LINALG,))
        w.add("rhea-reviewer", "review", 190, state="approved", parent=number)
        w.add("rhea-reviewer", "review", 189, state="commented", parent=number)
    number = w.add("tess-tester", "pr", 150, state="merged", paths=(LINALG, LINALG_TEST))
    w.add("rhea-reviewer", "review", 140, state="changes_requested", parent=number)
    w.add("rhea-reviewer", "rfc", 100, title="[RFC] A tiling interface for packed layouts")
    w.add("rust-rowan", "commit", 50, paths=(RUST, "compiler/rustc_codegen/src/emit.rs"))
    # Work after as_of does not exist yet for a fit judged at as_of.
    w.add("nate-notests", "pr", -10, state="merged", paths=(LINALG, LINALG_TEST))
    w.save()
    return w


def test_a_person_whose_changes_carry_tests_rates_strong_on_testing(
    session: Session, world: World
) -> None:
    testing = _dimension(_fit(session, world, "tess-tester"), "testing")
    assert testing.rating is Rating.STRONG
    assert testing.findings[0] == "9 of 9 landed changes touch test paths (100%)"
    assert len(testing.examples) == 3
    assert all(e.url for e in testing.examples)


def test_no_tests_is_no_public_evidence_never_a_guess(session: Session, world: World) -> None:
    fit = _fit(session, world, "nate-notests")
    testing = _dimension(fit, "testing")
    assert testing.rating is Rating.NONE
    assert testing.rating.label == "no public evidence"
    # The PR with a test merged after as_of is not counted.
    assert testing.findings[0] == "0 of 8 landed changes touch test paths (0%)"
    assert testing.examples == []
    assert "No public evidence: Testing for compilers" in fit.summary


def test_leadership_follows_reviews_to_distinct_authors_and_rfcs(
    session: Session, world: World
) -> None:
    rhea = _dimension(_fit(session, world, "rhea-reviewer"), "leadership")
    assert rhea.rating is Rating.MODERATE  # 5 distinct authors: moderate (strong needs 10)
    assert rhea.findings == [
        "9 reviews given, to 5 distinct authors",
        "started 1 RFC/design thread, joined 0 more",
    ]
    tess = _dimension(_fit(session, world, "tess-tester"), "leadership")
    assert tess.rating is Rating.NONE
    assert tess.findings == [
        "no reviews of other people's work in the window",
        "no RFC or design threads started or joined",
    ]


def test_languages_and_few_changes_are_capped(session: Session, world: World) -> None:
    systems = _dimension(_fit(session, world, "rust-rowan"), "systems_programming")
    # All Rust, but one commit is too little to call it strong.
    assert systems.rating is Rating.LIMITED
    assert systems.findings == [
        "100% of the files their landed changes touch (Rust 100%); too few changes to say more"
    ]


def test_someone_with_no_work_in_the_window_gets_no_verdict(session: Session, world: World) -> None:
    fit = _fit(session, world, "tess-tester", window_days=30)
    assert all(d.rating is Rating.NONE for d in fit.dimensions)
    assert fit.score == 0
    assert fit.summary.startswith("No public work in the last 30 days to judge by")


def test_role_fit_json_carries_every_dimension(session: Session, world: World) -> None:
    data = as_json(_fit(session, world, "tess-tester", "gpu kernel"))
    assert data["role_name"] == "GPU Kernel Engineer"
    assert [d["key"] for d in data["dimensions"]] == [
        "kernel_languages",
        "gpu_codegen",
        "performance",
        "testing",
    ]
    testing = data["dimensions"][-1]
    assert testing["rating"] == "strong"
    assert testing["examples"][0]["url"].startswith("https://github.com/llvm/llvm-project/pull/")


def test_reviews_of_unknown_prs_still_count_as_some_evidence(session: Session) -> None:
    w = World(session)
    for i in range(3):
        w.add("kai-trailers", "review", 30 + i, state="acked", parent=90_000 + i)
    w.save()
    leadership = _dimension(_fit(session, w, "kai-trailers"), "leadership")
    assert leadership.rating is Rating.LIMITED
    assert leadership.findings[0] == "3 reviews given"


def test_role_fit_reads_passes_and_lowerings_wherever_a_project_keeps_them(
    session: Session,
) -> None:
    """Triton's AMD backend keeps its passes and its LLVM lowering outside `lib/Transforms/`
    and `lib/Conversion/`, and the kernel keeps BPF's verifier and JITs in its own folders:
    role fit reads the same structure the ranking reads, not llvm-project's folder names."""
    w = World(session)
    amd = (
        "third_party/amd/lib/TritonAMDGPUTransforms/StreamPipeline.cpp",
        "third_party/amd/lib/TritonAMDGPUToLLVM/LoadStoreOpToLLVM.cpp",
    )
    w.merged("ama-amdowner", 8, 300, every=20, paths=amd, labels=(), title="[AMD] Pipeline")
    bpf = ("kernel/bpf/verifier.c", "arch/x86/net/bpf_jit_comp.c")
    w.merged("bo-bpfdev", 8, 300, every=20, paths=bpf, labels=(), title="bpf: bounds")
    w.save()
    amd_fit = _fit(session, w, "ama-amdowner")
    assert _dimension(amd_fit, "compiler_fundamentals").rating is Rating.MODERATE
    assert _dimension(amd_fit, "llvm_mlir").rating is Rating.MODERATE
    assert _dimension(amd_fit, "performance").rating is Rating.STRONG  # pipelining passes
    assert _dimension(amd_fit, "compiler_fundamentals").findings[0] == (
        "8 landed changes in IR definitions, analyses, transformation passes or lowerings"
    )
    bpf_fit = _fit(session, w, "bo-bpfdev")
    assert _dimension(bpf_fit, "compiler_fundamentals").rating is Rating.MODERATE
    assert _dimension(bpf_fit, "llvm_mlir").rating is Rating.NONE  # BPF is neither


def test_an_unknown_structure_kind_is_refused_with_its_line() -> None:
    text = MINIMAL.replace(
        "      - measure: share_touching\n        what: test paths\n"
        '        paths: ["**/test/**"]\n        strong: 0.6\n        moderate: 0.3\n',
        "      - measure: changes_matching\n        what: passes\n"
        "        structure: [passes]\n        strong: 6\n        moderate: 3\n",
    )
    assert text != MINIMAL
    with pytest.raises(DataFileError, match=r"roles.yml:8: .*unknown structure 'passes'"):
        parse_roles(text, "roles.yml")
