"""A fictional world and hostile names for outreach drafts and their Block Kit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from bot.outreach.company import example_company
from bot.outreach.drafts import (
    Draft,
    draft_outreach,
)
from bot.outreach.roles import default_roles
from bot.ranking.who import load_ranking_config
from bot.store.models import Person
from bot.store.writes import upsert_repo
from bot.taxonomy.model import default_taxonomy
from tests.support.ranking_world import World

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
LINALG = "mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp"


LINALG_TEST = "mlir/test/Dialect/Linalg/tile-pack.mlir"
AMD = "third_party/amd/lib/TritonAMDGPUTransforms/StreamPipeline.cpp"


HOSTILE = "<!channel> *urgent* `rm` <https://evil.example|click> & <@U0123>"
LONG = "[mlir][linalg] " + "Generalise the tiling interface for packed layouts " * 6


def _world(session: Session) -> World:
    w = World(session)
    # Rich: named, published an address and a website, lands tested Linalg work, reviews
    # other people's PRs, and started an RFC.
    w.merged(
        "lin-tiler",
        1,
        200,
        files=12,
        lines=900,
        paths=(LINALG, LINALG_TEST, "mlir/include/mlir/Dialect/Linalg/IR/LinalgOps.td"),
        title="[mlir][linalg] Tile tensor.pack and tensor.unpack with padding",
    )
    w.merged(
        "lin-tiler",
        1,
        60,
        paths=(LINALG, LINALG_TEST),
        title="[mlir][linalg] Fold unit-extent dims before tiling",
    )
    w.merged(
        "lin-tiler",
        1,
        30,
        files=2,
        paths=(LINALG, LINALG_TEST),
        title="[mlir][linalg] Keep static sizes when tiling by zero",
    )
    for author, title in (
        ("pia-author", "[mlir][linalg] Vectorize linalg.pack"),
        ("quin-author", "[mlir][linalg] Add a fusion control function"),
    ):
        number = w.add(author, "pr", 100, state="merged", paths=(LINALG,), title=title)
        for days, state in ((95, "approved"), (94, "commented")):
            w.add(
                "lin-tiler",
                "review",
                days,
                state=state,
                parent=number,
                title=title,
                paths=(LINALG,),
            )
    w.add(
        "lin-tiler",
        "rfc",
        150,
        title="[RFC] A pack-aware tiling interface for Linalg",
        paths=(),
        labels=(),
        files=0,
        lines=0,
    )
    # Same area and size as lin-tiler's work, someone else entirely.
    for days, title in (
        (90, "[mlir][linalg] Tile reductions with a partial accumulator"),
        (70, "[mlir][linalg] Peel the last iteration of tiled loops"),
        (50, "[mlir][linalg] Hoist padding out of tiled loops"),
    ):
        w.add("mo-tiler", "pr", days, state="merged", paths=(LINALG, LINALG_TEST), title=title)
    # Sparse: one PR, no name, no location.
    w.add("solo-one", "pr", 40, state="merged", paths=(LINALG,), title="[mlir] Fix a crash")
    # Awkward: a unicode name, a hostile title, a very long title with a line break in it.
    w.add("zoe-awkward", "pr", 20, state="merged", paths=(LINALG, LINALG_TEST), title=HOSTILE)
    w.add("zoe-awkward", "pr", 25, state="merged", paths=(LINALG,), title=LONG + "\nsecond")
    # No public work in the window at all.
    w.add("old-timer", "pr", 900, state="merged", paths=(LINALG,), title="[mlir] Ancient")
    w.save()
    triton = World(session)
    triton.repo = upsert_repo(session, "triton-lang/triton", "triton")
    triton.merged(
        "tao-kernels",
        3,
        80,
        paths=(AMD, "test/TritonGPU/amd/stream-pipeline.mlir"),
        labels=(),
        title="[AMD] Pipeline global loads into LDS for GEMM",
    )
    triton.save()
    people = {**w.people, **triton.people}
    lin = session.get(Person, people["lin-tiler"])
    assert lin is not None
    lin.public_email = "lin@tiler.example"
    lin.blog = "tiler.example/blog"
    zoe = session.get(Person, people["zoe-awkward"])
    assert zoe is not None
    zoe.name = "Zoë Ørsted-Ñúñez\u202e"
    solo = session.get(Person, people["solo-one"])
    assert solo is not None
    solo.name = None
    session.commit()
    w.people = people
    return w


def draft(
    session: Session, world: World, login: str, template: str = "first_email", **kw: Any
) -> Draft:
    person = session.get(Person, world.people[login])
    assert person is not None
    return draft_outreach(
        session,
        default_taxonomy(),
        person,
        company=kw.pop("company", example_company()),
        role=default_roles().get(kw.pop("role", None)),
        as_of=AS_OF,
        template=template,
        config=load_ranking_config(),
        **kw,
    )
