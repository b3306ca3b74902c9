"""Outreach drafts on fictional people: specific, personal, complete sentences, honest routes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2 import meta
from sqlmodel import Session

from bot.errors import ConfigError, CsfError, DataFileError
from bot.outreach.company import example_company, load_company, parse_company
from bot.outreach.drafts import (
    ANGLES,
    TEMPLATES,
    area_of,
    draft_outreach,
    environment,
    next_angle,
    plain,
    render,
)
from bot.outreach.roles import default_roles
from bot.outreach.work import Work
from bot.ranking.who import load_ranking_config
from bot.store.models import Person
from bot.store.writes import upsert_repo
from bot.taxonomy.model import default_taxonomy
from tests.support.outreach_world import (
    AMD,
    AS_OF,
    HOSTILE,
    LINALG,
    LINALG_TEST,
    _world,
    draft,
)
from tests.support.ranking_world import World


@pytest.fixture
def world(session: Session) -> World:
    return _world(session)


def assert_reads_well(text: str) -> None:
    """No gaps, no template debris, no broken punctuation; every paragraph a finished one."""
    assert "None" not in text
    assert "{{" not in text
    assert "{%" not in text
    assert "  " not in text
    assert "()" not in text
    assert "“”" not in text
    assert not re.search(r"\s[,.;:!?](?!\w)", text), text
    assert ",," not in text
    paragraphs = text.split("\n\n")
    assert paragraphs[0].startswith("Hi ")
    assert not re.search(r"[,;:]\s*$", "\n\n".join(paragraphs[1:]), re.M), text
    for paragraph in paragraphs[1:]:
        last_line = paragraph.splitlines()[-1]
        signature = "Quillfish" in last_line or last_line.startswith("https://")
        assert signature or paragraph.rstrip().endswith((".", "?", "!")), paragraph


@pytest.mark.parametrize("template", list(TEMPLATES))
@pytest.mark.parametrize("login", ["lin-tiler", "solo-one", "zoe-awkward", "tao-kernels"])
def test_every_template_reads_well_for_rich_sparse_and_awkward_people(
    session: Session, world: World, template: str, login: str
) -> None:
    result = draft(session, world, login, template)
    assert_reads_well(result.body)
    assert result.cites
    lead = result.cites[0]
    assert lead.title in result.body  # a specific reference, by its title
    if template != "dm":
        assert lead.url is not None
        assert lead.url in result.body
    assert result.role_name in result.body
    if template == "dm":
        assert result.subject is None
        assert len(result.body) <= 600
    else:
        assert result.subject
        assert "None" not in result.subject
    if template != "follow_up":
        # GDPR Art. 14 and GitHub's terms: where we found them, and that "no thanks" ends it.
        assert "public" in result.body
        assert '"no thanks"' in result.body


def test_a_first_email_names_their_work_the_theme_and_the_role(
    session: Session, world: World
) -> None:
    result = draft(session, world, "lin-tiler", angle="latest_pr")
    assert result.angle == "latest_pr"
    assert [c.title for c in result.cites] == [
        "[mlir][linalg] Keep static sizes when tiling by zero",
        "[mlir][linalg] Fold unit-extent dims before tiling",
        "[mlir][linalg] Tile tensor.pack and tensor.unpack with padding",
    ]
    body = result.body
    assert "the Linalg dialect" in body  # the dialect, from the paths it touched
    assert "an MLIR-based compiler for our new accelerator" in body
    assert "Staff Compiler Engineer" in body
    assert "Hi Lin," in body
    assert body.endswith("https://quillfish.example")
    assert 80 <= len(body.split()) <= 260  # short: a few paragraphs, not a brochure
    for boilerplate in ("rockstar", "ninja", "impressive profile", "exciting opportunity"):
        assert boilerplate not in body.lower()


def test_angles_follow_the_work_and_another_angle_walks_them(
    session: Session, world: World
) -> None:
    first = draft(session, world, "lin-tiler")
    assert first.angles == ("latest_pr", "substantial_pr", "reviews", "design")
    texts = {first.body}
    current = first
    for _ in range(3):
        current = draft(session, world, "lin-tiler", angle=next_angle(current))
        texts.add(current.body)
    assert len(texts) == 4
    assert next_angle(current) == first.angle
    reviews = draft(session, world, "lin-tiler", angle="reviews")
    assert "4 reviews there in the last two years, for 2 different authors" in reviews.body
    assert "[mlir][linalg] Vectorize linalg.pack" in reviews.body
    design = draft(session, world, "lin-tiler", angle="design")
    assert "“[RFC] A pack-aware tiling interface for Linalg”" in design.body
    substantial = draft(session, world, "lin-tiler", angle="substantial_pr")
    assert substantial.cites[0].title.startswith("[mlir][linalg] Tile tensor.pack")
    assert "12 files" in substantial.body
    with pytest.raises(CsfError, match="nothing for the 'design' angle; try latest_pr"):
        draft(session, world, "solo-one", angle="design")
    with pytest.raises(CsfError, match="unknown angle 'flattery'"):
        draft(session, world, "solo-one", angle="flattery")


def test_two_people_in_the_same_area_never_get_the_same_text(
    session: Session, world: World
) -> None:
    for template in TEMPLATES:
        lin = draft(session, world, "lin-tiler", template, angle="latest_pr")
        mo = draft(session, world, "mo-tiler", template, angle="latest_pr")
        assert lin.body != mo.body
        assert not {c.url for c in lin.cites} & {c.url for c in mo.cites}
        # Their own names and work, not the other's.
        assert "mo-tiler" not in lin.body
        assert mo.cites[0].title in mo.body  # their own work, by its title
        assert "Hoist padding" in mo.cites[0].title or template == "follow_up"


def test_the_follow_up_brings_something_the_first_message_did_not(
    session: Session, world: World
) -> None:
    for login in ("lin-tiler", "mo-tiler"):
        first = draft(session, world, login)
        follow_up = draft(session, world, login, "follow_up")
        assert follow_up.cites[0].url != first.cites[0].url
        assert "this is the last you will hear from me" in follow_up.body


def test_untrusted_text_is_cleaned_for_a_plain_text_message(session: Session, world: World) -> None:
    result = draft(session, world, "zoe-awkward", angle="latest_pr")
    assert "Hi Zoë," in result.body
    assert "\u202e" not in result.body
    long_cite = next(c for c in result.cites if c.title.startswith("[mlir][linalg] Generalise"))
    assert len(long_cite.title) <= 110
    assert long_cite.title.endswith("…")
    assert "\n" not in long_cite.title
    assert plain("a\u202eb\x00c\nd") == "a b c d"
    # A plain-text email shows the title as written; Slack escaping happens in the views.
    assert HOSTILE in result.body


def test_contact_routes_are_only_what_a_person_published(session: Session, world: World) -> None:
    lin = draft(session, world, "lin-tiler")
    assert [(r.kind, r.value) for r in lin.routes] == [
        ("email", "lin@tiler.example"),
        ("website", "https://tiler.example/blog"),
        ("github", "https://github.com/lin-tiler"),
    ]
    # Their commit address is known to csf only as a hash, and never appears anywhere.
    mo = draft(session, world, "mo-tiler")
    assert [r.kind for r in mo.routes] == ["github"]
    assert "compilers.example" not in str(mo)
    assert "compilers.example" not in str(lin)


def test_the_theme_follows_the_persons_work(session: Session, world: World) -> None:
    tao = draft(session, world, "tao-kernels")
    assert tao.theme == "kernel generation"
    assert "Triton's AMD backend" in tao.body
    assert "kernel generation (generating attention and GEMM kernels" in tao.body
    assert draft(session, world, "lin-tiler").theme.startswith("an MLIR-based compiler")


def test_no_public_work_means_no_draft(session: Session, world: World) -> None:
    with pytest.raises(CsfError, match="no public work by old-timer in the 730 days before"):
        draft(session, world, "old-timer")
    bot = World(session)
    bot.person("ci-helper[bot]", bot=True)
    session.commit()
    person = session.get(Person, bot.people["ci-helper[bot]"])
    assert person is not None
    with pytest.raises(CsfError, match="is a bot account"):
        draft_outreach(
            session,
            default_taxonomy(),
            person,
            company=example_company(),
            role=default_roles().get(),
            as_of=AS_OF,
            config=load_ranking_config(),
        )


def _context(angle: str = "latest_pr") -> dict[str, Any]:
    cite = {
        "kind": "pr",
        "title": "[mlir] Fictional change",
        "url": "https://github.com/llvm/llvm-project/pull/1",
        "area": "the Linalg dialect",
        "repo": "llvm/llvm-project",
        "month": "May 2026",
        "files": 3,
        "with_tests": True,
    }
    return {
        "seed": "someone",
        "angle": angle,
        "greeting": "Sam",
        "lead": cite,
        "others": [dict(cite, title="[mlir] Another fictional change")],
        "cites": [cite],
        "reviews": {"count": 0, "authors": 0, "prs": 0},
        "started": False,
        "fresh": True,
        "theme": {"name": "kernel generation", "detail": None, "matched": True},
        "role": {"name": "GPU Kernel Engineer", "article": "a", "pitch": "writes kernels"},
        "company": {
            "name": "Quillfish Systems",
            "builds": "accelerators",
            "website": None,
            "location": None,
            "privacy_contact": None,
        },
        "sender": {"name": "Morgan Vale", "role": "Lead", "email": None},
        "repos": "llvm/llvm-project",
    }


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_a_missing_value_is_an_error_not_a_gap(template: str) -> None:
    _, body = render(template, _context())
    assert "Sam" in body
    env = environment()
    source = env.loader.get_source(env, TEMPLATES[template])[0]  # type: ignore[union-attr]
    used = meta.find_undeclared_variables(env.parse(source)) - {"variant", "br"}
    assert used >= {"greeting", "lead", "theme", "role", "company"}
    for key in used:
        # A value a template names fails every render that reaches it (some only in one angle).
        failures = 0
        for angle in ANGLES:
            broken = _context(angle)
            del broken[key]
            try:
                render(template, broken)
            except jinja2.UndefinedError:
                failures += 1
        assert failures, key
    nested = _context()
    del nested["lead"]["area"]
    with pytest.raises(jinja2.UndefinedError, match="area"):
        render(template, nested)


def test_the_company_profile_is_required_and_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_company(None)
    assert str(caught.value).startswith("CSF_COMPANY_PROFILE is not set: outreach needs")
    with pytest.raises(DataFileError, match="CSF_COMPANY_PROFILE: cannot read the company"):
        load_company(tmp_path / "missing.yml")
    text = Path("bot/outreach/example_company.yml").read_text()
    broken = text.replace("  role: Head of Compiler Engineering\n", "  rôle: Head\n")
    with pytest.raises(DataFileError, match=r"^x\.yml:17: sender: unknown setting 'rôle'"):
        parse_company(broken, "x.yml")
    no_roadmap = text.replace("roadmap:", "roadmaps:")
    with pytest.raises(DataFileError, match=r"^x\.yml:20: the company profile: unknown setting"):
        parse_company(no_roadmap, "x.yml")
    unknown_role = parse_company(text.replace("  gpu_kernel_engineer:", "  chef:"), "x.yml")
    with pytest.raises(DataFileError, match=r"^x\.yml:43: roles: unknown role 'chef'"):
        unknown_role.role(default_roles())
    company = example_company()
    assert company.role(default_roles()).key == "staff_compiler_engineer"
    gpu = company.role(default_roles(), "gpu")
    assert company.pitch(gpu) == gpu.pitch  # no pitch of its own: the role file's words


@pytest.mark.parametrize(
    ("paths", "topics", "area"),
    [
        ((LINALG, LINALG_TEST), (), "the Linalg dialect"),
        (("llvm/lib/Target/X86/X86ISelLowering.cpp",), (), "the X86 backend"),
        (("llvm/lib/Transforms/Scalar/LICM.cpp",), (), "the LICM pass"),
        (("llvm/lib/Transforms/InstCombine/InstCombineCalls.cpp",), (), "InstCombine"),
        (("mlir/lib/Conversion/GPUToNVVM/GPUToNVVM.cpp",), (), "the GPUToNVVM conversion"),
        (("mlir/lib/Target/LLVMIR/ModuleTranslation.cpp",), (), "MLIR's LLVMIR translation"),
        ((AMD,), (), "Triton's AMD backend"),
        (("kernel/sched/fair.c",), ("linux", "linux.scheduler"), "the Linux kernel's Scheduler"),
        ((), ("mlir",), "MLIR"),
        ((), (), "llvm/llvm-project"),
    ],
)
def test_the_area_of_a_change_is_named_as_an_engineer_would(
    paths: tuple[str, ...], topics: tuple[str, ...], area: str
) -> None:
    work = Work(
        id=1,
        kind="pr",
        state="merged",
        repo_id=1,
        repo="llvm/llvm-project",
        external_id="1",
        parent_number=None,
        title="t",
        url=None,
        when=AS_OF,
        files=len(paths),
        additions=1,
        deletions=1,
        paths=paths,
        labels=(),
        topics=frozenset(topics),
    )
    assert area_of(work, default_taxonomy()) == area


def test_a_draft_states_only_facts_scoped_as_it_words_them(session: Session, world: World) -> None:
    """Reviews counted "in the Linalg dialect" are the Linalg ones, not every review anywhere;
    a piece of work (or its reland, or its part two) is cited once; a noreply address is never
    offered as a way to reach someone; routine or tiny work alone gets no draft, and says why."""
    triton = World(session)
    triton.repo = upsert_repo(session, "triton-lang/triton", "triton")
    amd = AMD
    for days in (30, 31, 32, 33, 34):
        number = triton.add("ula-author", "pr", days + 5, state="merged", paths=(amd,), labels=())
        triton.add("lin-tiler", "review", days, state="approved", parent=number, paths=(amd,))
    for days, title in (
        (12, '[mlir][linalg] Reland "Fold unit-extent dims before tiling"'),
        (10, "[mlir][linalg] Fold unit-extent dims before tiling (part 2)"),
    ):
        world.add("lin-tiler", "pr", days, state="merged", paths=(LINALG, LINALG_TEST), title=title)
    triton.add("ned-noreply", "pr", 40, state="merged", paths=(amd,), labels=(), files=3)
    world.add(
        "tim-tidy",
        "pr",
        330,
        state="merged",
        files=1,
        lines=6,
        paths=(LINALG,),
        title='[mlir] Fix tests after "Fold unit-extent dims"',
    )
    world.add(
        "tim-tidy",
        "pr",
        300,
        state="merged",
        files=1,
        lines=2,
        paths=(LINALG,),
        title="[mlir][NFC] Fix typo",
    )
    world.save()
    triton.save()
    world.people.update(triton.people)
    reviews = draft(session, world, "lin-tiler", angle="reviews")
    assert "4 reviews there in the last two years, for 2 different authors" in reviews.body
    assert all(c.area == "the Linalg dialect" for c in reviews.cites)
    for angle in ("latest_pr", "substantial_pr"):
        cited = draft(session, world, "lin-tiler", angle=angle).cites
        fold = [c for c in cited if "Fold unit-extent dims" in c.title]
        assert len(fold) <= 1, [c.title for c in cited]
    ned = session.get(Person, world.people["ned-noreply"])
    assert ned is not None
    ned.public_email = "12345+ned-noreply@users.noreply.github.com"
    session.commit()
    routes = draft(session, world, "ned-noreply").routes
    assert [r.kind for r in routes] == ["github"]
    with pytest.raises(CsfError, match=r"tim-tidy's only own changes .* are small or routine"):
        draft(session, world, "tim-tidy")
