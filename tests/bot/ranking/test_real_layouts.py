"""Ranking on repositories shaped like real MLIR-ecosystem projects, built as git repositories.

A torch-mlir-shaped tree and a CIRCT-shaped tree tracked under `-e mlir` (repositories the
taxonomy does not list), an AI co-author trailer, an LLVM integrate, the deletion of a whole
component, a five-year owner against a one-commit newcomer, and a dormant area: each is what
broke `csf who` on real mirrors.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.ingest.git import ingest_git
from bot.ingest.tracking import upsert_repo
from bot.ranking.who import (
    WhoAnswer,
    answer_notes,
    as_json,
    empty_hint,
    load_ranking_config,
    namesake_line,
    who,
)
from bot.reports.backtest_owners import (
    OwnerBacktest,
    area_words,
    backtest_owners,
    login_guesses,
    owner_areas,
    score,
)
from bot.store.models import Contribution, ContributionTopic, Identity, Person, Repo
from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query
from bot.taxonomy.terms import root, stem, stems_of, terms_of
from slackui.blocks.people import who_card
from tests.support.git_repos import GitRepo

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
OWNER = ("Ola Longtime", "9001+ola-longtime@users.noreply.github.com")
NEWCOMER = ("Nix Once", "nix@compilers.example")
HELPER = ("Hal Helper", "hal@compilers.example")
INTEGRATOR = ("Ivo Integrator", "ivo@compilers.example")
CLAUDE = "Claude Sonnet 4.6 <assistant-noreply@tools.example>"
TORCH_TO_LINALG = "lib/Conversion/TorchToLinalg/Linear.cpp"


def _when(year: int, month: int, day: int = 3) -> str:
    return f"{year}-{month:02d}-{day:02d}T10:00:00+00:00"


def _body(lines: int) -> str:
    return "".join(f"line {n}\n" for n in range(lines))


def _torch_mlir(tmp_path: Path) -> GitRepo:
    """Five years of an owner in TorchToLinalg, a one-commit newcomer, an AI co-author, bumps."""
    repo = GitRepo(tmp_path / "torch-mlir")
    for n in range(12):  # the owner built the conversion, 2021-2023
        repo.commit(
            f"[TorchToLinalg] Lower op {n}",
            {
                TORCH_TO_LINALG: _body(40 * (n + 1)),
                f"lib/Conversion/TorchToLinalg/Op{n}.cpp": "x\n",
            },
            author=OWNER,
            date=_when(2021 + n // 5, 1 + n % 5),
        )
    repo.commit(
        "[TorchToLinalg] Handle a corner case",
        {TORCH_TO_LINALG: _body(520)},  # 40 lines: small, not trivial
        author=NEWCOMER,
        date=_when(2026, 5),
    )
    repo.commit(
        "[TorchToLinalg] Lower aten.gather\n\nCo-authored-by: " + CLAUDE,
        {TORCH_TO_LINALG: _body(530), "lib/Conversion/TorchToLinalg/Gather.cpp": "g\n" * 80},
        author=HELPER,
        date=_when(2026, 4),
    )
    for n in range(16):  # integrates touch the conversion more often still, and are upkeep
        repo.commit(
            f"Integrate LLVM at llvm/llvm-project@{n:07x}",
            {TORCH_TO_LINALG: _body(530 + n), "externals/llvm-hash.txt": f"{n}\n"},
            author=INTEGRATOR,
            date=_when(2025 + n // 12, 1 + n % 12),
        )
    repo.commit(
        "Add the Torch dialect's IR",
        {
            "lib/Dialect/Torch/IR/TorchOps.cpp": _body(300),
            "include/torch-mlir/Dialect/Torch/IR/T.td": _body(50),
        },
        author=OWNER,
        date=_when(2024, 2),
    )
    return repo


def _ingest(engine: Engine, path: Path, name: str, ecosystem: str = "mlir") -> None:
    with Session(engine) as session:
        repo = upsert_repo(session, name, ecosystem, tracked=False)
        session.commit()
        ingest_git(session, default_taxonomy(), repo, path)
        session.commit()


def _ask(session: Session, words: str, **options: object) -> WhoAnswer:
    repos = [(r.full_name, r.ecosystem) for r in session.exec(select(Repo))]
    reading = read_query(default_taxonomy(), words.split(), repos)
    return who(
        session,
        default_taxonomy(),
        reading,
        config=options.pop("config", load_ranking_config()),  # type: ignore[arg-type]
        as_of=AS_OF,
        cached=False,
        **options,  # type: ignore[arg-type]
    )


def _names(answer: WhoAnswer) -> list[str]:
    return [r.person["name"] for r in answer.results]


@pytest.fixture
def torch_mlir(engine: Engine, tmp_path: Path) -> Engine:
    _ingest(engine, _torch_mlir(tmp_path).path, "llvm/torch-mlir")
    return engine


def _backtest(
    session: Session, repo: str, owner_text: str, path: str = "CODEOWNERS"
) -> OwnerBacktest:
    """`csf backtest owners` of one owner file, with the shipped taxonomy and ranking, as of
    `AS_OF`."""
    return backtest_owners(
        session, default_taxonomy(), load_ranking_config(), repo, owner_text, path, as_of=AS_OF
    )


def test_a_repository_name_scopes_the_question_and_its_layout_has_topics(
    torch_mlir: Engine,
) -> None:
    with Session(torch_mlir) as session:
        answer = _ask(session, "torch-mlir torchtolinalg")
        assert answer.reading.repos == ("llvm/torch-mlir",)
        assert answer.reading.free_words == ("torchtolinalg",)  # never MLIR plus "torch"
        assert _names(answer)[0] == "Ola Longtime"
        # Work in an MLIR repository the taxonomy does not list is still MLIR work, and its
        # conversions are the conversion topic wherever the folder lives.
        tagged = session.exec(
            select(ContributionTopic.topic)
            .join(Contribution, col(Contribution.id) == ContributionTopic.contribution_id)
            .where(Contribution.title == "[TorchToLinalg] Lower op 0")
        ).all()
        assert {"mlir", "mlir.conversion"} <= set(tagged)
        mlir = _ask(session, "mlir conversion")
        assert "Ola Longtime" in _names(mlir)


def test_the_long_time_owner_outranks_a_one_commit_newcomer(torch_mlir: Engine) -> None:
    with Session(torch_mlir) as session:
        names = _names(_ask(session, "torchtolinalg"))
        assert names.index("Ola Longtime") < names.index("Nix Once")
        owner = _ask(session, "torchtolinalg").results[0]
        assert not owner.active_now
        assert "last active 2023-02" in owner.reason  # in this area; the dialect is elsewhere
        # --active: recent work alone, the newcomer first; a 5-year window counts five years.
        active = load_ranking_config()
        active["blend"]["expertise"] = 0.0
        recent = _names(_ask(session, "torchtolinalg", config=active, window_days=365))
        assert "Ola Longtime" not in recent
        five_years = _names(_ask(session, "torchtolinalg", window_days=1825))
        assert five_years[0] == "Ola Longtime"


def test_a_to_b_is_asked_as_the_conversion_and_apart_where_no_work_names_it(
    torch_mlir: Engine,
) -> None:
    """ "torch to linalg" is how a lead says TorchToLinalg; "torch to tosa" names no folder
    here, so its words are asked apart (and "to" is filler), never answered "no one found"."""
    with Session(torch_mlir) as session:
        joined = _ask(session, "torch-mlir torch to linalg")
        assert joined.reading.free_words == ("torchtolinalg",)
        assert _names(joined) == _names(_ask(session, "torch-mlir torchtolinalg"))
        assert _names(joined)[0] == "Ola Longtime"
        apart = _ask(session, "torch-mlir linalg to zyxwv")
        # "linalg" first reads as MLIR's Linalg topic, which has no work here: the word is
        # searched instead, and the heading shows it (zyxwv, matching nothing, is said apart).
        assert apart.first_reading is not None
        assert [t.key for t in apart.first_reading.topics] == ["linalg"]
        assert apart.reading.free_words == ("linalg",)
        assert not apart.reading.joined
        assert apart.unmatched == ("zyxwv",)
        assert not apart.widened  # a word matching nothing is not one the topic lacks
        assert any('"zyxwv" matches no work' in note for note in answer_notes(apart))
        assert _names(apart)[0] == "Ola Longtime"


OTHER = ("Oto Other", "oto@compilers.example")


def test_a_to_b_named_only_in_other_work_is_asked_apart(torch_mlir: Engine, tmp_path: Path) -> None:
    """The joined word exists, but not in the work the question looks at (another ecosystem's
    repository): the joined reading finds no one, so the words are asked apart."""
    other = GitRepo(tmp_path / "other")
    other.commit("Add a pass", {"lib/Conversion/LinalgToTorch/A.cpp": _body(50)}, author=OTHER)
    _ingest(torch_mlir, other.path, "fictional/other", "llvm")
    with Session(torch_mlir) as session:
        assert _ask(session, "linalgtotorch").results  # the word names the other work
        answer = _ask(session, "mlir linalg to torch")
        assert not answer.reading.joined  # the word-by-word reading answered
        assert _names(answer)[0] == "Ola Longtime"  # TorchToLinalg: both words
        assert "Oto Other" not in _names(answer)  # the other ecosystem's work stays out


def test_ai_co_authors_and_integrators_are_not_experts(torch_mlir: Engine) -> None:
    with Session(torch_mlir) as session:
        everyone = _names(_ask(session, "torchtolinalg", limit=50))
        assert not any("Claude" in name for name in everyone)
        claude = session.exec(select(Person).where(Person.name == "Claude Sonnet 4.6")).one()
        assert claude.is_bot  # stored (its commit is history), never ranked
        # An integrator is at most below a one-change newcomer; here they are only trace work.
        assert "Nix Once" in everyone
        if "Ivo Integrator" in everyone:
            assert everyone.index("Ivo Integrator") > everyone.index("Nix Once")
        natures = set(session.exec(select(Contribution.nature)).all())
        assert "integrate" in natures
        everything = {**load_ranking_config(), "min_score": 0.0}  # trace work shown too
        integrate = next(
            r
            for r in _ask(session, "torchtolinalg", limit=50, config=everything).results
            if r.person["name"] == "Ivo Integrator"
        )
        assert integrate.evidence[0].nature == "integrate"
        assert "integrate" in (integrate.evidence[0].nature_why or "")


def test_a_hand_mark_says_a_person_is_a_person_whatever_the_rules(
    torch_mlir: Engine, tmp_path: Path
) -> None:
    with Session(torch_mlir) as session:
        claude = session.exec(select(Person).where(Person.name == "Claude Sonnet 4.6")).one()
        claude.marked, claude.is_bot = "person", False
        session.add(claude)
        session.commit()
    repo = GitRepo(tmp_path / "more")
    repo.commit("x\n\nCo-authored-by: " + CLAUDE, {"a.cpp": "a\n"}, date=_when(2026, 5))
    _ingest(torch_mlir, repo.path, "llvm/torch-mlir-more")
    with Session(torch_mlir) as session:
        again = session.exec(select(Person).where(Person.name == "Claude Sonnet 4.6")).one()
        assert not again.is_bot


def test_a_part_of_a_repository_named_like_its_topic_is_that_part(
    engine: Engine, tmp_path: Path
) -> None:
    """In openxla/shardy, XLA's Shardy topic is every path; "shardy mpmd" asks about MPMD."""
    repo = GitRepo(tmp_path / "shardy")
    mpmd = ("Mia Pipeliner", "mia@compilers.example")
    sdy = ("Sol Propagator", "sol@compilers.example")
    for n in range(3):
        repo.commit(
            f"[mpmd] Fragment pass {n}",
            {f"shardy/dialect/mpmd/transforms/pass{n}.cc": _body(80)},
            author=mpmd,
            date=_when(2025, 1 + n),
        )
    for n in range(8):
        repo.commit(
            f"Propagation step {n}",
            {f"shardy/dialect/sdy/transforms/propagation/step{n}.cc": _body(200)},
            author=sdy,
            date=_when(2025, 1 + n),
        )
    _ingest(engine, repo.path, "openxla/shardy", "xla")
    with Session(engine) as session:
        answer = _ask(session, "shardy mpmd")
        assert answer.reading.label == 'openxla/shardy › XLA › "mpmd"'
        assert _names(answer) == ["Mia Pipeliner"]
        # The whole topic, asked as such, is everyone's.
        assert set(_names(_ask(session, "xla shardy"))) == {"Mia Pipeliner", "Sol Propagator"}


def test_deleting_a_component_is_not_building_it(engine: Engine, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "tvm-like")
    builder = ("Bea Builder", "bea@compilers.example")
    remover = ("Rex Remover", "rex@compilers.example")
    for n in range(4):
        repo.commit(
            f"[Relay] pass {n}",
            {f"src/relay/pass{n}.cc": _body(120)},
            author=builder,
            date=_when(2022, 1 + n),
        )
    repo.commit(
        "[Relay] Remove Relay",
        {f"src/relay/pass{n}.cc": None for n in range(4)},
        author=remover,
        date=_when(2026, 3),
    )
    _ingest(engine, repo.path, "fictional/tvm-like", "tvm")
    with Session(engine) as session:
        answer = _ask(session, "relay")
        assert _names(answer)[0] == "Bea Builder"
        deletion = session.exec(
            select(Contribution).where(Contribution.title == "[Relay] Remove Relay")
        ).one()
        assert deletion.nature == "deletion"


def test_vendored_headers_copies_and_data_dumps_are_not_building_an_area(
    engine: Engine, tmp_path: Path
) -> None:
    """A vendor's header drop, a pass copied in to be customised, and a vocabulary committed
    by hand are each far larger than real work in the area; none of them is expertise."""
    repo = GitRepo(tmp_path / "triton-like")
    builder = ("Bea Builder", "bea@compilers.example")
    vendor = ("Vic Vendor", "vic@compilers.example")
    copier = ("Cam Copier", "cam@compilers.example")
    dumper = ("Dee Dumper", "dee@compilers.example")
    for n in range(4):
        repo.commit(
            f"[AMD] Lower op {n} to MFMA",
            {f"third_party/amd/lib/TritonAMDGPUToLLVM/Op{n}.cpp": _body(150)},
            author=builder,
            date=_when(2024, 1 + n),
        )
    headers = {f"third_party/amd/backend/include/hip/h{n}.h": _body(1500) for n in range(20)}
    repo.commit(
        "[AMD] Update HIP header files to 7.1",
        {**headers, ".pre-commit-config.yaml": "exclude: hip\n"},
        author=vendor,
        date=_when(2025, 2),
    )
    repo.commit(
        "[NFI] Copy MFMA lowering for further customization",
        {"third_party/amd/lib/TritonAMDGPUToLLVM/Copied.cpp": _body(2400)},
        author=copier,
        date=_when(2025, 3),
    )
    repo.commit(
        "[AMD] Add tuning tables",
        {f"third_party/amd/tables/t{n}.txt": _body(6000) for n in range(2)},
        author=dumper,
        date=_when(2025, 4),
    )
    _ingest(engine, repo.path, "fictional/triton-like", "triton")
    with Session(engine) as session:
        assert _names(_ask(session, "triton amd"))[0] == "Bea Builder"
        natures = dict(
            session.exec(
                select(Contribution.title, Contribution.nature).where(Contribution.kind == "commit")
            ).all()
        )
        assert natures["[AMD] Update HIP header files to 7.1"] == "generated"
        assert natures["[NFI] Copy MFMA lowering for further customization"] == "generated"
        assert natures["[AMD] Add tuning tables"] == "generated"
        assert natures["[AMD] Lower op 0 to MFMA"] is None


def test_a_dormant_area_says_since_when_and_names_who_built_it(
    engine: Engine, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "circt-like")
    for n in range(5):
        repo.commit(
            f"[Handshake] lower {n}",
            {f"lib/Dialect/Handshake/Op{n}.cpp": _body(80)},
            author=OWNER,
            date=_when(2023, 1 + n),
        )
    repo.commit(
        "Bump patch version after integrate",
        {"VERSION": "1\n"},
        author=INTEGRATOR,
        date=_when(2026, 5),
    )
    repo.commit(
        "[HW] a two-letter area",
        {"lib/Dialect/HW/HWOps.cpp": _body(60)},
        author=NEWCOMER,
        date=_when(2026, 4),
    )
    _ingest(engine, repo.path, "fictional/circt-like")
    with Session(engine) as session:
        handshake = _ask(session, "circt-like handshake")
        assert handshake.dormant_since is not None
        assert handshake.dormant_since.strftime("%Y-%m") == "2023-05"
        assert _names(handshake) == ["Ola Longtime"]
        hw = _ask(session, "circt-like hw")  # two letters are a word, not dropped
        assert hw.reading.free_words == ("hw",)
        assert _names(hw) == ["Nix Once"]
        assert hw.dormant_since is None


def test_a_word_that_matches_nothing_is_said_not_silently_dropped(torch_mlir: Engine) -> None:
    with Session(torch_mlir) as session:
        answer = _ask(session, "torch-mlir torchtolinalg qwzxv")
        assert answer.unmatched == ("qwzxv",)
        assert _names(answer)[0] == "Ola Longtime"
        # The heading shows what was searched: the word left out is said, not shown as asked.
        assert answer.reading.free_words == ("torchtolinalg",)
        assert "qwzxv" not in answer.reading.label
        alone = _ask(session, "qwzxv")
        assert alone.results == []
        assert '"qwzxv"' in alone.reading.label  # nothing else to show: the question as asked


def test_stems_match_singular_plural_and_endings() -> None:
    assert stem("quantization") == stem("quantize") == stem("quantizer") == "quant"
    assert stem("quantized") == "quant"
    assert stem("tiling") == "tiling"  # too short to strip
    words = terms_of(["stablehlo/transforms/Quantization.cpp"], [], "Quantize the ops")
    # One row for the words that share a root; every spelling of the question finds it.
    assert "quant" in words
    assert not {"quantization", "quantize"} & words
    for asked in ("quantization", "quantize", "quant", "quantized"):
        assert set(stems_of(asked)) & words, asked
    # A stem that strips again (processes -> process -> proces) still meets every spelling.
    assert root("processes") == root("process") != stem("process")
    for path in ("lib/Process.cpp", "lib/Processes.cpp"):
        for asked in ("process", "processes"):
            assert set(stems_of(asked)) & terms_of([path], [], None), (path, asked)
    # A title word whose stem is too common to index is kept as written.
    assert "supported" in terms_of([], [], "Supported types")


def test_topics_of_another_ecosystem_do_not_widen_the_question() -> None:
    taxonomy = default_taxonomy()
    reading = read_query(taxonomy, ["triton", "amd", "frontend"])
    assert {t.ecosystem for t in reading.topics} == {"triton"}
    narrowed = read_query(taxonomy, ["mlir", "bufferization", "linalg"])
    assert len(narrowed.tag_groups) == 2  # two phrases: both must hold


def test_owner_file_backtest_scores_csf_and_the_commit_count(torch_mlir: Engine) -> None:
    codeowners = (
        "/lib/Conversion/TorchToLinalg/ @ola-longtime\n"
        "/lib/Dialect/Torch/IR/ @ola-longtime @nobody-known\n"
        "*.md @docs-team-member\n"
    )
    areas = owner_areas(codeowners, ".github/CODEOWNERS")
    assert [a.words for a in areas] == [("torchtolinalg",), ("torch", "dialect", "ir"), ()]
    assert area_words("third_party/amd/**", None) == ("amd",)
    # A glob's own name is asked, in the words the index splits names into, not the folder
    # above it (LLVM's lines, a kernel library's)
    assert area_words("/mlir/**/*VectorToSCF*", None) == ("vector", "to", "scf")
    assert area_words("/mlir/**/*ToLLVM*", None) == ("to", "llvm")  # conversions to LLVM
    assert area_words("lib/Conversion/TorchTo*", None) == ("torch", "to")
    assert area_words("lib/Target/AMDGPU/SIInstr*", None) == ("si", "instr")
    assert area_words("/mlir/**/*SparseTensor*/", None) == ("sparse", "tensor")
    assert area_words("/mlir/**/*Linalg*.td", None) == ("linalg",)  # a file type, no piece
    assert area_words("csrc/checkpointing_ssu*", None) == ("checkpointing", "ssu")
    assert area_words("tests/jit/test_widget_kda*", None) == ("widget", "kda")
    assert area_words("/mlir/**/ValueBoundsOpInterfaceImpl.*", None) == (
        "valueboundsopinterfaceimpl",
    )
    assert area_words("/mlir/Dialect/*/Transforms/Bufferize.cpp", None) == ("bufferize",)
    # A plain, layout or two-letter word, a class or a choice, or several pieces: the folder
    # above says more; a file type or a build file alone asks nothing
    assert area_words("mlir/lib/Dialect/Linalg/*_utils*", None) == ("linalg", "dialect")
    assert area_words("mlir/lib/Dialect/Linalg/**/*Passes.td", None) == ("linalg", "dialect")
    assert area_words("/mlir/**/*IR*", None) == area_words("/mlir/**/*Op", None) == ("mlir",)
    assert area_words("lib/Target/AMDGPU/[Ss]*", None) == ("amdgpu",)
    assert area_words("mlir/**/*Vector*ToSCF*", None) == ("mlir",)
    assert area_words("docs/*.md", None) == area_words("**/*.py", None) == ()
    assert area_words("include/*.{h,td}", None) == area_words("Makefile*", None) == ()
    with Session(torch_mlir) as session:
        report = _backtest(session, "llvm/torch-mlir", codeowners, ".github/CODEOWNERS")
    assert [a.area.label for a in report.areas] == [
        "lib/Conversion/TorchToLinalg",
        "lib/Dialect/Torch/IR",
    ]
    first = report.areas[0]
    assert first.csf["mrr"] == 1.0  # the owner first, ownership weighted zero
    assert first.baseline["mrr"] < 1.0  # the integrator's commits outnumber the owner's there
    assert [s.note for s in report.skipped] == ["no words to ask with"]


def test_owner_lines_asking_one_question_are_one_area_and_names_give_logins(
    torch_mlir: Engine,
) -> None:
    codeowners = (
        "/lib/Conversion/TorchToLinalg/Linear.cpp @hal-helper\n"
        "/test/Conversion/TorchToLinalg/ @nix-once\n"
        "/lib/Dialect/Torch/IR/ @ola-longtime\n"
    )
    areas = owner_areas(codeowners, "CODEOWNERS")
    assert len(areas) == 3  # "linear", "torchtolinalg" and "torch ir": three questions
    merged = owner_areas(
        "/lib/Conversion/TorchToLinalg/ @hal-helper\n/test/TorchToLinalg/ @nix-once @hal-helper\n",
        "CODEOWNERS",
    )
    assert [(a.words, a.owners) for a in merged] == [
        (("torchtolinalg",), (("github", "hal-helper"), ("github", "nix-once")))
    ]
    assert merged[0].label == "lib/Conversion/TorchToLinalg + test/TorchToLinalg"
    assert {"halhelper", "hhelper", "hal-helper", "helperhal"} <= login_guesses("Hal Helper")
    assert login_guesses("Hal") == set()  # a first name alone is no login
    assert "renee-quill" in login_guesses("Renée Quill")
    with Session(torch_mlir) as session:
        report = _backtest(
            session, "llvm/torch-mlir", "/lib/Conversion/TorchToLinalg/ @hal-helper @nobody-here\n"
        )
    # Hal's history has a name and a company address only; the login form still finds him.
    assert [a.owners_matched for a in report.areas] == [1]
    assert report.areas[0].csf["recall@10"] == 1.0


def test_a_one_word_keyword_asks_about_something_narrower_than_its_topic() -> None:
    taxonomy = default_taxonomy()
    one_word = [k for t in taxonomy.topics() for k in t.keywords if " " not in k.strip()]
    names = {n.lower() for t in taxonomy.topics() for n in (t.key, t.name, *t.aliases)}
    narrower = next(k for k in one_word if k.lower() not in names and k.isalpha())
    reading = read_query(taxonomy, [narrower])
    assert reading.topics == ()
    assert reading.free_words == (narrower.lower(),)
    assert read_query(taxonomy, ["mlir", "bufferization"]).topics  # names still name topics


def test_ranking_metrics_by_hand() -> None:
    owners = {0: {7}, 1: {9, 10}}
    scored = score([3, 7, 4, 10], owners)
    assert scored["mrr"] == 0.5
    assert scored["hit@5"] == 1.0
    assert scored["recall@10"] == 1.0
    assert scored["ndcg@10"] == pytest.approx((1 / 1.5849625 + 1 / 2.3219281) / (1 + 1 / 1.5849625))
    assert score([], owners) == {"hit@5": 0.0, "recall@10": 0.0, "mrr": 0.0, "ndcg@10": 0.0}


def test_repository_scope_with_replace_keeps_other_readings() -> None:
    reading = read_query(default_taxonomy(), ["mlir", "bufferization"])
    scoped = replace(reading, repos=("llvm/llvm-project",))
    assert scoped.tags == reading.tags


def _edge_runtime(tmp_path: Path) -> GitRepo:
    """A repository tracked under MLIR whose `tensor` code is no MLIR Tensor dialect, and whose
    owner committed from two addresses under one name."""
    repo = GitRepo(tmp_path / "edge-runtime")
    for n in range(6):
        repo.commit(
            f"Grow the tensor view {n}",
            {f"extension/tensor/view{n}.cpp": _body(60)},
            author=("Tam Tensor", "tam@work.example"),
            date=_when(2024, 1 + n),
        )
    repo.commit(
        "Start the tensor extension",
        {"extension/tensor/README.md": _body(20)},
        author=("Tam Tensor", "9002+tam-tensor@users.noreply.github.com"),
        date=_when(2023, 11),
    )
    for n in range(3):
        repo.commit(
            f"Touch the tensor tests {n}",
            {f"extension/tensor/test/t{n}.cpp": _body(15 + n)},
            author=HELPER,
            date=_when(2025, 1 + n),
        )
    return repo


def test_a_topic_with_no_work_here_is_asked_as_its_words(engine: Engine, tmp_path: Path) -> None:
    _ingest(engine, _edge_runtime(tmp_path).path, "fictional/edge-runtime")
    _ingest(engine, _torch_mlir(tmp_path).path, "llvm/torch-mlir")
    with Session(engine) as session:
        answer = _ask(session, "edge-runtime tensor")
        # "tensor" names MLIR's Tensor dialect, which this repository does not have: its own
        # tensor code answers, never "no one found", and the answer says what it searched.
        assert answer.first_reading is not None
        assert answer.first_reading.topics
        assert answer.reading.free_words == ("tensor",)
        assert not answer.reading.topics
        assert answer.reading.repos == ("fictional/edge-runtime",)
        assert _names(answer)[0] == "Tam Tensor"
        notes = answer_notes(answer)
        assert any("has no work here" in note for note in notes)
        assert answer.first_reading.label in notes[0]
        # Nothing at all in the window: the words find nothing either, and it says so.
        quiet = _ask(session, "edge-runtime tensor", window_days=30)
        assert quiet.results == []
        assert quiet.first_reading is not None
        # Where the topic holds work, it is answered as the topic.
        topic = _ask(session, "torch-mlir mlir conversion")
        assert topic.first_reading is None
        assert topic.reading.topics
        assert _names(topic)[0] == "Ola Longtime"


def test_an_owner_split_over_two_records_is_found_in_either(engine: Engine, tmp_path: Path) -> None:
    _ingest(engine, _edge_runtime(tmp_path).path, "fictional/edge-runtime")
    with Session(engine) as session:
        records = session.exec(select(Person).where(Person.name == "Tam Tensor")).all()
        assert len(records) == 2  # csf never joins records on a name by itself
        report = _backtest(session, "fictional/edge-runtime", "/extension/tensor/ @tam-tensor\n")
        # The answer says so where a recruiter sees it, and how to join them.
        answer = _ask(session, "edge-runtime tensor")
        first = answer.results[0]
        other = next(r.id for r in records if r.id != first.person_id)
        assert first.namesakes == (other,)
        assert [r.person["name"] for r in answer.results].count("Tam Tensor") == 1
        said = [note for note in answer_notes(answer) if "csf people merge" in note]
        assert said == [
            "1 person here has other records under the same name (see their card): if one "
            "person, `csf people merge` joins them (`csf people suggest` shows the evidence)"
        ]
        assert namesake_line(first) == f"same name as #{other} (maybe one person)"
        helper = next(r for r in answer.results if r.person["name"] == "Hal Helper")
        assert helper.namesakes == ()
    # The login names the record with one small commit; the work is under the other address.
    # `csf people suggest` ties the two, so the owner ranks where their work ranks: first.
    assert report.areas[0].csf["mrr"] == 1.0
    assert report.areas[0].baseline["mrr"] == 1.0


def test_a_dialect_is_found_by_its_name_wherever_it_lives(torch_mlir: Engine) -> None:
    with Session(torch_mlir) as session:
        # In torch-mlir every path says "torch"; "torch dialect" is lib/Dialect/Torch alone.
        everyone = _names(_ask(session, "torch-mlir torch"))
        assert {"Ola Longtime", "Hal Helper", "Nix Once"} <= set(everyone)
        answer = _ask(session, "torch-mlir torch dialect")
        assert answer.reading.free_words == ("dialect:torch",)
        assert answer.reading.label == 'llvm/torch-mlir \u203a MLIR \u203a "torch" dialect'
        assert _names(answer) == ["Ola Longtime"]
        # A word that names no dialect here stays a word: naming structure never empties it.
        linear = _ask(session, "torch-mlir linear dialect")
        assert linear.reading.free_words == ("linear",)
        assert "Ola Longtime" in _names(linear)
    # Typed text with a colon is a word, shown and searched as typed, never as structure.
    typed = read_query(default_taxonomy(), ["<https://evil.example|x>"])
    assert typed.label == '"<https://evil.example|x>"'
    assert "dialect:firrtl" in terms_of(["lib/Dialect/FIRRTL/Transforms/LowerTypes.cpp"], [], None)
    assert not {t for t in terms_of(["lib/Dialect/Widget.cpp"], [], None) if ":" in t}


def test_topic_ids_and_listed_aliases_name_their_topics() -> None:
    taxonomy = default_taxonomy()
    assert read_query(taxonomy, ["mlir.bufferization"]).tags == ("mlir.bufferization",)
    assert read_query(taxonomy, ["xla.gpu"]).tags == ("xla.gpu",)
    core = read_query(taxonomy, ["mlir", "core"])  # the alias "mlir core", after the ecosystem
    assert core.tags == ("mlir.core_ir",)
    assert read_query(taxonomy, ["core"]).free_words == ("core",)  # alone, a word


def test_an_empty_answer_says_what_would_help(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        empty = _ask(session, "mlir bufferization")
        assert empty.results == []
        assert "ingest a repository first" in empty_hint(empty)
    _ingest(engine, _torch_mlir(tmp_path).path, "llvm/torch-mlir")
    with Session(engine) as session:
        narrow = _ask(session, "torch-mlir torchtolinalg", window_days=1)
        assert narrow.results == []
        assert "`--window-days 3650`" in empty_hint(narrow)
        wide = _ask(session, "mlir bufferization", window_days=3650)
        assert wide.results == []
        assert "--window-days" not in empty_hint(wide)
        assert "csf track add" in empty_hint(wide)
        regional = _ask(session, "torch-mlir torchtolinalg", region="uk")
        assert regional.results == []
        assert "try without `--region`" in empty_hint(regional)


FOUNDER = ("Fia Founder", "fia@compilers.example")
EDITOR = ("Eda Editor", "eda@compilers.example")
BUFFERIZATION = "mlir/lib/Dialect/Bufferization/Transforms/"


def _built_and_edited(tmp_path: Path) -> GitRepo:
    """An llvm-project-shaped area: one person created its three passes, another edited them
    four times since, each change a hundred lines; and a file whose name git quotes."""
    repo = GitRepo(tmp_path / "llvm-project")
    for n, name in enumerate(("OneShotAnalysis", "BufferDeallocation", "DropEquivalent")):
        repo.commit(
            f"[mlir][bufferization] Add {name}",
            {f"{BUFFERIZATION}{name}.cpp": _body(100)},
            author=FOUNDER,
            date=_when(2022, 2 + n),
        )
    for n in range(4):
        name = ("OneShotAnalysis", "BufferDeallocation")[n % 2]
        path = f"{BUFFERIZATION}{name}.cpp"
        repo.commit(
            f"[mlir][bufferization] Extend {name}",
            {path: (repo.path / path).read_text() + _body(100 * (n + 2))[-900:]},
            author=EDITOR,
            date=_when(2023, 2 + n),
        )
    repo.commit(
        "[mlir][bufferization] Add notes",
        {f"{BUFFERIZATION}N\u00f6tes\tdraft.md": "n\n"},
        author=EDITOR,
        date=_when(2023, 9),
    )
    return repo


def test_who_created_an_areas_files_outranks_as_many_later_edits(
    engine: Engine, tmp_path: Path
) -> None:
    """Owner files name who built an area: a change that created files there counts twice
    (`built:`), for a topic, for free words, and the same from the score cache."""
    from bot.ranking.scores import refresh_scores

    _ingest(engine, _built_and_edited(tmp_path).path, "llvm/llvm-project")
    with Session(engine) as session:
        built = {
            (topic, person)
            for topic, person in session.execute(
                sa.select(ContributionTopic.topic, ContributionTopic.person_id).where(
                    ContributionTopic.built
                )
            )
        }
        names = {p.id: p.name for p in session.exec(select(Person))}
        assert {(t, names[p]) for t, p in built} >= {("mlir.bufferization", "Fia Founder")}
        assert ("mlir.bufferization", "Eda Editor") in {(t, names[p]) for t, p in built}
        paths = session.exec(select(Contribution.paths)).all()
        assert [f"{BUFFERIZATION}N\u00f6tes\tdraft.md"] in paths  # the quoted name, read back
        for words in ("mlir bufferization", "transforms"):
            answer = _ask(session, words)
            assert _names(answer)[:2] == ["Fia Founder", "Eda Editor"], words
            founder = answer.results[0]
            assert all(e.built for e in founder.evidence)  # each says it created files here
            assert founder.evidence[0].size.endswith(", new files here")
            assert as_json(answer)["results"][0]["evidence"][0]["built"] is True
            flat = {
                **load_ranking_config(),
                "built": 0.0,
                "founding": {"share": 0.1, "factor": 0.0},
            }
            assert _names(_ask(session, words, config=flat))[0] == "Eda Editor", words
        refresh_scores(session, default_taxonomy(), load_ranking_config(), as_of=AS_OF)
        session.commit()
        live = _ask(session, "mlir bufferization")
        cached = who(
            session,
            default_taxonomy(),
            read_query(default_taxonomy(), ["mlir", "bufferization"]),
            config=load_ranking_config(),
            as_of=AS_OF,
        )
        assert cached.scores_as_of == AS_OF
        assert [(r.person_id, r.score) for r in cached.results] == [
            (r.person_id, r.score) for r in live.results
        ]


LEAD = ("Lea Lead", "lea@compilers.example")
SPECIALIST = ("Sam Single", "sam@compilers.example")


def test_a_lead_who_does_most_of_a_small_areas_work_is_not_cut_as_a_generalist(
    engine: Engine, tmp_path: Path
) -> None:
    """Focus cuts people whose work here is a sliver of theirs, unless it is a large share of
    the area's own work (`full_area_share`): a small repository's lead maintainer works
    everywhere, and is still the person its small areas rest on."""
    repo = GitRepo(tmp_path / "tinyc")
    for n in range(60):
        repo.commit(f"Core change {n}", {f"lib/Core/Part{n % 7}.cpp": _body(100 + n)}, author=LEAD)
    for n in range(6):
        path = f"lib/Transforms/SmallPass/Step{n}.cpp"
        repo.commit(f"SmallPass step {n}", {path: _body(100)}, author=LEAD)
    for n in range(4):  # fewer changes, but larger: ahead of a lead cut to a sliver
        path = f"lib/Transforms/SmallPass/Step{n}.cpp"
        repo.commit(
            f"SmallPass rework {n}",
            {path: (repo.path / path).read_text() + _body(400)},
            author=SPECIALIST,
        )
    _ingest(engine, repo.path, "fictional-org/tinyc")
    with Session(engine) as session:
        answer = _ask(session, "tinyc smallpass")
        assert _names(answer)[:2] == ["Lea Lead", "Sam Single"]
        lead = answer.results[0]
        assert lead.counts["share_percent"] < 10  # a sliver of their own work ...
        assert lead.components["focus"] == 1.0  # ... but most of the area's
        cut = {**load_ranking_config()}
        cut["focus"] = {**cut["focus"], "full_area_share": 0.0}
        assert _names(_ask(session, "tinyc smallpass", config=cut))[0] == "Sam Single"


STARTER = ("Flo Founding", "flo@compilers.example")
LATECOMER = ("Lars Later", "lars@compilers.example")
CROWD = [(f"Cy Crowd{n}", f"crowd{n}@compilers.example") for n in range(6)]
SPARSE = "mlir/lib/Dialect/SparseTensor/Transforms/"


def _founded_then_grown(tmp_path: Path) -> GitRepo:
    """A dialect's passes started by one person in 2019, grown by a crowd, and as much work as
    the founder's done by a latecomer in 2025: equal size, equal files created, equal focus."""
    repo = GitRepo(tmp_path / "sparse")
    for n in range(3):
        repo.commit(
            f"[mlir][sparse] Add pass {n}",
            {f"{SPARSE}Found{n}.cpp": _body(300)},
            author=STARTER,
            date=_when(2019, 2 + n),
        )
    for n in range(30):  # the area grows: many hands, small changes
        path = f"{SPARSE}Found{n % 3}.cpp"
        repo.commit(
            f"[mlir][sparse] Improve case {n}",
            {path: (repo.path / path).read_text() + _body(30)[: 8 * (n + 1)] + f"c{n}\n"},
            author=CROWD[n % len(CROWD)],
            date=_when(2020 + n // 12, 1 + n % 12),
        )
    for n in range(3):
        repo.commit(
            f"[mlir][sparse] Add pass {n + 3}",
            {f"{SPARSE}Late{n}.cpp": _body(300)},
            author=LATECOMER,
            date=_when(2025, 2 + n),
        )
    return repo


def test_who_founded_an_area_outranks_as_much_work_done_there_lately(
    engine: Engine, tmp_path: Path
) -> None:
    """`founding:`: the first tenth of an area's work counts three times. Without it the
    latecomer leads on recency alone; with it the founder does, live and from the score cache
    alike; `--active` (activity alone) leaves founding out."""
    from bot.ranking.scores import refresh_scores
    from bot.ranking.who import active_config

    _ingest(engine, _founded_then_grown(tmp_path).path, "llvm/llvm-project")
    config = load_ranking_config()
    unfounded = {**config, "founding": {"share": 0.1, "factor": 0.0}}
    with Session(engine) as session:
        for words in ("mlir sparse", "sparsetensor transforms"):
            assert _names(_ask(session, words))[0] == "Flo Founding", words
            assert _names(_ask(session, words, config=unfounded))[0] == "Lars Later", words
        active = _ask(session, "mlir sparse", config=active_config(config), window_days=730)
        assert _names(active)[0] == "Lars Later"
        # Only real work founds: the founder's score drops by their work's share, not more.
        live = _ask(session, "mlir sparse")
        flat = _ask(session, "mlir sparse", config=unfounded)
        founder = {r.person["name"]: r.score for r in live.results}
        before = {r.person["name"]: r.score for r in flat.results}
        assert founder["Flo Founding"] == pytest.approx(3 * before["Flo Founding"], rel=0.02)
        assert founder["Lars Later"] == pytest.approx(before["Lars Later"])
        cards = {r.person["name"]: r for r in live.results}
        assert cards["Flo Founding"].founder
        assert not cards["Lars Later"].founder
        assert "among the area's first builders (from 2019-02)" in cards["Flo Founding"].reason
        assert "first builders" not in cards["Lars Later"].reason
        assert as_json(live)["results"][0]["founder"] is True
        refresh_scores(session, default_taxonomy(), config, as_of=AS_OF)
        session.commit()
        cached = who(
            session,
            default_taxonomy(),
            read_query(default_taxonomy(), ["mlir", "sparse"]),
            config=config,
            as_of=AS_OF,
        )
        assert cached.scores_as_of == AS_OF
        assert [(r.person_id, r.score) for r in cached.results] == [
            (r.person_id, r.score) for r in live.results
        ]


def test_a_word_naming_another_ecosystems_area_or_one_slip_from_its_name_still_answers(
    engine: Engine, tmp_path: Path
) -> None:
    """In a store without IREE, kernel or LLVM work, "vulkan" (an IREE topic's alias), "kernels"
    (one letter from the kernel's name) and "llvm" (an ecosystem's own name, here a folder)
    are the repository's own words: its people answer, never "no one found"."""
    repo = GitRepo(tmp_path / "runtime")
    repo.commit("Add kernels", {"python/kernels/matmul.py": _body(200)}, author=OWNER)
    repo.commit("Vulkan device", {"runtime/vulkan/Device.cpp": _body(200)}, author=HELPER)
    repo.commit("Pin the compiler", {"third_party/llvm/pin.txt": _body(30)}, author=NEWCOMER)
    _ingest(engine, repo.path, "fictional/runtime")
    with Session(engine) as session:
        kernels = _ask(session, "kernels")
        assert _names(kernels) == ["Ola Longtime"]
        assert not kernels.reading.corrected  # not read as the kernel's ecosystem
        vulkan = _ask(session, "vulkan")
        assert _names(vulkan) == ["Hal Helper"]
        assert vulkan.reading.ecosystem is None
        assert vulkan.first_reading is not None  # the topic it first named is said
        for word in ("llvm", "LLVM"):  # an ecosystem's own name, none of its work here
            named = _ask(session, word)
            assert _names(named) == ["Nix Once"], word
            assert named.reading.free_words == ("llvm",)
            # The answer says the ecosystem has no work here and its name was a word instead.
            assert named.first_reading is not None
            assert any(note.startswith("LLVM has no work here") for note in answer_notes(named)), (
                word
            )
        assert kernels.first_reading is not None


def test_a_young_areas_first_weeks_found_nothing(engine: Engine, tmp_path: Path) -> None:
    """All of an area's work within the last year: its first tenth is everyone's first weeks,
    so no one is called a first builder and the scores are those without founding."""
    repo = GitRepo(tmp_path / "young")
    for n in range(12):
        repo.commit(
            f"[mlir][sparse] Step {n}",
            {f"{SPARSE}Young{n % 3}.cpp": _body(100 + 10 * n)},
            author=(STARTER, LATECOMER, *CROWD)[n % 8],
            date=_when(2026, 1 + n // 3, 3 + n),
        )
    _ingest(engine, repo.path, "llvm/llvm-project")
    config = load_ranking_config()
    unfounded = {**config, "founding": {**config["founding"], "factor": 0.0}}
    with Session(engine) as session:
        live = _ask(session, "mlir sparse")
        flat = _ask(session, "mlir sparse", config=unfounded)
        assert live.results
        assert [(r.person_id, r.score) for r in live.results] == [
            (r.person_id, r.score) for r in flat.results
        ]
        assert not any(r.founder for r in live.results)


def test_a_word_too_common_to_search_is_said_and_left_out_of_the_heading(
    torch_mlir: Engine,
) -> None:
    """ "support" is kept out of the index (every other title says "add support for"): asked
    for, it is said to be left out, the heading shows only what was searched, and the answer
    is the one without it."""
    with Session(torch_mlir) as session:
        answer = _ask(session, "torch-mlir torchtolinalg support")
        assert answer.too_common == ("support",)
        assert "support" not in answer.reading.label
        assert any('"support" is too common' in note for note in answer_notes(answer))
        assert as_json(answer)["too_common_words"] == ["support"]
        assert _names(answer) == _names(_ask(session, "torch-mlir torchtolinalg"))
        alone = _ask(session, "support")
        assert not alone.results
        assert any('"support" is too common' in note for note in answer_notes(alone))


def test_owner_logins_built_on_a_name_are_found_and_shared_surnames_are_not(
    engine: Engine, tmp_path: Path
) -> None:
    """Owner files name logins like `equillon-acme`, `hhelper7` or a bare surname; history
    knows a name and a company address. One name's form behind the login finds the owner; a
    surname two names share finds no one."""
    repo = GitRepo(tmp_path / "widget-mlir")
    people = [
        ("Hal Helper", "hal@compilers.example"),
        ("Ida Helper", "ida@compilers.example"),
        ("Eve Quillon", "eve@compilers.example"),
    ]
    areas = ["Lowering", "Folding", "Fusion", "Tiling", "Packing", "Pooling", "Casting"]
    for n, author in enumerate(people * 2):
        repo.commit(
            f"Widget work {n}\n\nReviewed By: ulareviews",  # a reviewer known by handle only
            {f"lib/Widget/{area}/Op{n}.cpp": _body(60) for area in areas},
            author=author,
            date=_when(2025, 1 + n),
        )
    _ingest(engine, repo.path, "fictional/widget-mlir")
    codeowners = "".join(
        f"/lib/Widget/{area}/ @{login}\n"
        for area, login in [
            ("Lowering", "equillon-acme"),  # Eve: a company after her login form
            ("Folding", "hhelper7"),  # Hal: a number after his
            ("Fusion", "quillon"),  # Eve: a surname only she has here
            ("Tiling", "helper"),  # two Helpers: no one
            ("Packing", "zyxwv-acme"),  # no name gives it
            ("Pooling", "ulareviews"),  # the review handle equal to the login: her reviews
            ("Casting", "exquillon"),  # Eve with a middle initial
        ]
    )
    with Session(engine) as session:
        report = _backtest(session, "fictional/widget-mlir", codeowners)
        names = dict(session.exec(select(Person.id, Person.name)).all())
    found = {a.area.owners[0][1]: a.owners_matched for a in report.areas}
    assert found == {
        "equillon-acme": 1,
        "hhelper7": 1,
        "quillon": 1,
        "ulareviews": 1,
        "exquillon": 1,
    }
    assert [s.note for s in report.skipped] == ["no owner is known to csf"] * 2
    assert {s.area.owners[0][1] for s in report.skipped} == {"helper", "zyxwv-acme"}
    assert all(a.csf["recall@10"] == 1.0 for a in report.areas if a.area.words != ("pooling",))
    assert sorted(names.values()) == ["Eve Quillon", "Hal Helper", "Ida Helper", "ulareviews"]


def test_a_folder_named_by_a_common_title_word_is_an_area(engine: Engine, tmp_path: Path) -> None:
    """`lib/Support` is an area a lead asks about ("widget-mlir support"), though "support" is
    too common in titles to search: asked on its own, it is searched in paths alone, so whoever
    built the folder answers and whoever wrote "Add support for …" elsewhere does not."""
    repo = GitRepo(tmp_path / "widget-mlir")
    builder = ("Sam Support", "sam@compilers.example")
    titles = ("Tia Titles", "tia@compilers.example")
    for n in range(4):
        repo.commit(
            f"Add a timer {n}",
            {f"lib/Support/Timer{n}.cpp": _body(80)},
            author=builder,
            date=_when(2025, 1 + n),
        )
        repo.commit(
            "Add support for aten.gather" if n % 2 else "Supported types for linalg",
            {f"lib/Conversion/TorchToLinalg/Op{n}.cpp": _body(80)},
            author=titles,
            date=_when(2025, 1 + n, 9),
        )
    _ingest(engine, repo.path, "fictional/widget-mlir")
    with Session(engine) as session:
        for question in ("widget-mlir support", "support"):
            answer = _ask(session, question)
            assert _names(answer) == ["Sam Support"], question
            assert not answer.too_common
            assert "support" in answer.reading.label  # the heading says what was searched
        # With a topic or another word, "support" is still the title word, left out.
        mixed = _ask(session, "widget-mlir torchtolinalg support")
        assert mixed.too_common == ("support",)
        assert _names(mixed) == ["Tia Titles"]


def test_a_folder_added_in_one_large_change_is_found_by_its_name(
    engine: Engine, tmp_path: Path
) -> None:
    """A benchmark suite arrives in one change of 80 files with long names of their own; the
    index keeps a bounded number of words per change, and it used to keep the longest, so the
    files' names pushed out the folder's and "linalgbench" answered no one."""
    repo = GitRepo(tmp_path / "widget-mlir")
    ops = {
        f"benchmarks/LinalgBench/ops/depthwise_conv_{n}d_nhwc_hwcm_q_variant_{n:03d}.mlir": _body(9)
        for n in range(80)
    }
    repo.commit("[benchmark] Add a suite", ops, author=HELPER, date=_when(2026, 3))
    _ingest(engine, repo.path, "fictional/widget-mlir")
    with Session(engine) as session:
        assert _names(_ask(session, "linalgbench")) == ["Hal Helper"]
        assert _names(_ask(session, "widget-mlir linalg bench")) == ["Hal Helper"]


def test_words_with_a_topic_that_has_no_work_here_all_narrow(
    engine: Engine, tmp_path: Path
) -> None:
    """ "xnnpack quantization" in a runtime without XLA: "quantization" first reads as another
    ecosystem's topic, which has no work here. Both words are then searched, and narrow; the
    question used to lose "xnnpack" and answer everyone who quantizes anything."""
    repo = GitRepo(tmp_path / "edge-runtime")
    for n in range(3):
        repo.commit(
            f"Quantizer op {n}",
            {f"backends/xnnpack/quantizer/Op{n}.py": _body(120)},
            author=HELPER,
            date=_when(2025, 2 + n),
        )
    for n in range(6):
        repo.commit(
            f"Quantization pass {n}",
            {f"exir/passes/quantization/Pass{n}.py": _body(300)},
            author=NEWCOMER,
            date=_when(2025, 2 + n, 9),
        )
    _ingest(engine, repo.path, "fictional/edge-runtime", "llvm")
    with Session(engine) as session:
        answer = _ask(session, "xnnpack quantization")
        assert answer.first_reading is not None
        assert _names(answer) == ["Hal Helper"]
        assert not answer.widened
        assert set(answer.reading.free_words) == {"xnnpack", "quantization"}
        notes = answer_notes(answer)
        said = "Quantization has no work here, so its words were searched in paths and titles"
        assert any(n.endswith(f"{said} instead") for n in notes), notes


def test_an_owner_login_built_on_another_name_of_the_record_is_found(
    engine: Engine, tmp_path: Path
) -> None:
    """A record shown as `Evq` whose address also signs `Eve Quillon` (a co-author line of
    the same address) is the owner `evequillon`."""
    repo = GitRepo(tmp_path / "widget-mlir")
    for n in range(3):
        repo.commit(
            f"Widget lowering {n}\n\nCo-authored-by: Eve Quillon <evq@compilers.example>",
            {f"lib/Widget/Lowering/Op{n}.cpp": _body(60)},
            author=("Evq", "evq@compilers.example"),
            date=_when(2025, 1 + n),
        )
    _ingest(engine, repo.path, "fictional/widget-mlir")
    codeowners = "/lib/Widget/Lowering/ @evequillon\n"
    with Session(engine) as session:
        shown = session.exec(select(Person.name)).all()
        report = _backtest(session, "fictional/widget-mlir", codeowners)
    assert shown == ["Evq"]
    assert [(a.area.owners[0][1], a.owners_matched) for a in report.areas] == [("evequillon", 1)]
    assert report.areas[0].csf["mrr"] == 1.0


def _dropped_then_kept(tmp_path: Path) -> GitRepo:
    """A pass library landed in one large change, then grown over two years by its keeper."""
    repo = GitRepo(tmp_path / "llvm-project")
    repo.commit(
        "[mlir][sparse] Add the sparsifier passes",
        {f"{SPARSE}Part{n}.cpp": _body(400) for n in range(15)},
        author=("Ada Drop", "4101+ada-drop@users.noreply.github.com"),
        date=_when(2023, 2),
    )
    repo.commit(  # she owns the area: ownership is no work there, and is never reduced
        "Add CODEOWNERS",
        {".github/CODEOWNERS": f"/{SPARSE} @ada-drop\n"},
        author=("Cy Clerk", "cy@compilers.example"),
        date=_when(2023, 2, 4),
    )
    for n in range(12):
        repo.commit(
            f"[mlir][sparse] Lower op {n}",
            {f"{SPARSE}Op{n}.cpp": _body(150)},
            author=("Bo Keeper", "bo@compilers.example"),
            date=_when(2023 + n // 6, 3 + n),
        )
    return repo


def test_one_large_change_counts_less_than_the_work_kept_up_after_it(
    engine: Engine, tmp_path: Path
) -> None:
    """`sustained:`: someone whose whole work in an area is one change counts half of it. On
    real histories a backend landed in one commit ranked above the people who kept it up."""
    from bot.ranking.scores import refresh_scores
    from bot.ranking.words import score_parts

    _ingest(engine, _dropped_then_kept(tmp_path).path, "llvm/llvm-project")
    config = load_ranking_config()
    whole = {**config, "sustained": {"full_count": 2, "floor": 1.0}}
    with Session(engine) as session:
        live = _ask(session, "mlir sparse")
        assert _names(live) == ["Bo Keeper", "Ada Drop"]
        assert _names(_ask(session, "mlir sparse", config=whole)) == ["Ada Drop", "Bo Keeper"]
        cards = {r.person["name"]: r for r in live.results}
        ada = cards["Ada Drop"].components
        assert ada["sustained"] == 0.5
        assert "sustained" not in cards["Bo Keeper"].components
        assert ada["ownership"] == config["points"]["ownership"]
        changes = ada["commits"]  # her one commit: halved; her ownership: whole
        whole_work = (ada["ownership"] + changes / 2) * ada["focus"] * (1 + ada["breadth"])
        assert cards["Ada Drop"].score == pytest.approx(whole_work, abs=0.01)
        said = "50% weight for few contributions here"
        assert said in score_parts(cards["Ada Drop"].components)
        assert said not in score_parts(cards["Bo Keeper"].components)
        refresh_scores(session, default_taxonomy(), config, as_of=AS_OF)
        session.commit()
        reading = read_query(default_taxonomy(), ["mlir", "sparse"])
        cached = who(session, default_taxonomy(), reading, config=config, as_of=AS_OF)
        assert cached.scores_as_of == AS_OF
        assert [(r.person_id, r.score) for r in cached.results] == [
            (r.person_id, r.score) for r in live.results
        ]


def _widget_lowering(tmp_path: Path, people: list[tuple[str, str, int]]) -> GitRepo:
    """(name, address, commits): each commit adds a file of Widget's lowering, larger for
    someone with more commits, so scores follow the commit counts without ties."""
    repo = GitRepo(tmp_path / "widget-mlir")
    for name, address, commits in people:
        for n in range(commits):
            repo.commit(
                f"Widget lowering {n}",
                {f"lib/Widget/Lowering/{address}{n}.cpp": _body(120 + 10 * commits)},
                author=(name, address),
                date=_when(2025, 1 + n),
            )
    return repo


def test_a_name_on_two_records_takes_one_place_and_its_card_names_the_other(
    engine: Engine, tmp_path: Path
) -> None:
    """One person committing from a work and a personal address is two records to csf (never
    joined on a name). Both rank, but the name is listed once: the better-ranked record's
    card names the other, and the place goes to the next person."""
    repo = _widget_lowering(
        tmp_path,
        [
            ("Una Twice", "una@work.example", 6),
            ("Una Twice", "una.twice@home.example", 4),
            ("Vic Third", "vic@compilers.example", 2),
        ],
    )
    _ingest(engine, repo.path, "fictional/widget-mlir")
    with Session(engine) as session:
        work, home = (
            session.exec(
                select(Person.id).join(Identity).where(Identity.domain == domain).distinct()
            ).one()
            for domain in ("work.example", "home.example")
        )
        answer = _ask(session, "widget-mlir widget lowering", limit=2)
        assert answer.results[0].person_id == work
        assert _names(answer) == ["Una Twice", "Vic Third"]
        assert answer.results[0].namesakes == (home,)
        assert namesake_line(answer.results[0]) == f"same name as #{home} (maybe one person)"
        card = who_card(answer.results[0], 1)[0]["text"]["text"]  # Slack's card says it too
        assert f"same name as #{home} (maybe one person)" in card
        # The home record has four commits here, more than the third person's two: it is
        # left out of every place, not outranked.
        everyone = _ask(session, "widget-mlir widget lowering").results
        assert [r.person_id for r in everyone] == [work, answer.results[1].person_id]
        held = select(Contribution.id).where(Contribution.person_id == home)
        assert len(session.exec(held).all()) == 4


def test_a_name_many_records_hold_is_too_common_to_take_one_place(
    engine: Engine, tmp_path: Path
) -> None:
    """Seven records named `Wei Common`: the name says too little to leave one to the other's
    card, so both with work in the area keep their places."""
    repo = GitRepo(tmp_path / "widget-mlir")
    for n in range(7):
        area = "lib/Widget/Lowering" if n < 2 else "docs/elsewhere"
        repo.commit(
            f"Change {n}",
            {f"{area}/Part{n}.cpp": _body(120)},
            author=("Wei Common", f"wei{n}@compilers.example"),
            date=_when(2025, 1 + n),
        )
    _ingest(engine, repo.path, "fictional/widget-mlir")
    with Session(engine) as session:
        answer = _ask(session, "widget-mlir widget lowering")
    assert _names(answer) == ["Wei Common", "Wei Common"]
    assert all(len(r.namesakes) == 5 for r in answer.results)  # each card names some others


def test_a_handle_as_a_git_name_takes_one_place_and_a_plain_word_does_not(
    engine: Engine, tmp_path: Path
) -> None:
    """Git names that are handles (someone's GitHub login, as one person's four records in
    TVM's history were) name one person: listed once. A plain word (`Chris`) may be two
    people's first name: each keeps its place."""
    repo = _widget_lowering(
        tmp_path,
        [
            ("adaquill", "adaquill@home.example", 5),
            ("Chris", "chris@a.example", 4),
            ("adaquill", "aq@work.example", 3),
            ("Chris", "chris@b.example", 3),
            ("Vic Third", "vic@compilers.example", 2),
        ],
    )
    repo.commit(  # the login, on a record of its own, with work elsewhere
        "Docs",
        {"docs/index.md": _body(20)},
        author=("Ada Quill", "7+adaquill@users.noreply.github.com"),
        date=_when(2025, 9),
    )
    _ingest(engine, repo.path, "fictional/widget-mlir")
    with Session(engine) as session:
        home, work = (
            session.exec(
                select(Person.id).join(Identity).where(Identity.domain == domain).distinct()
            ).one()
            for domain in ("home.example", "work.example")
        )
        answer = _ask(session, "widget-mlir widget lowering")
    assert _names(answer) == ["adaquill", "Chris", "Chris", "Vic Third"]
    assert answer.results[0].person_id == home
    assert answer.results[0].namesakes == (work,)
