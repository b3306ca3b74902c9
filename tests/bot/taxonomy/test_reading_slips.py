"""Questions as people type them: a slip in an ecosystem's name, a seed area's own words."""

from __future__ import annotations

import pytest

from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query


@pytest.mark.parametrize(
    ("words", "label", "corrected"),
    [
        ("mlri bufferization", "MLIR › Bufferization", (("mlri", "mlir"),)),
        ("trtion amd", "Triton › AMD backend", (("trtion", "triton"),)),
        ("tritonn amd", "Triton › AMD backend", (("tritonn", "triton"),)),
        ("mlir bufferization", "MLIR › Bufferization", ()),
        # Short words and words two slips away are left as typed: too easy to misread.
        ("tvn", '"tvn"', ()),
        ("mrli", '"mrli"', ()),
    ],
)
def test_a_misspelt_ecosystem_is_read_as_the_one_a_slip_away(
    words: str, label: str, corrected: tuple[tuple[str, str], ...]
) -> None:
    reading = read_query(default_taxonomy(), words.split())
    assert reading.label == label
    assert reading.corrected == corrected


def test_gpu_kernels_names_tritons_kernels_topic() -> None:
    reading = read_query(default_taxonomy(), ["triton", "gpu", "kernels"])
    assert [t.id for t in reading.topics] == ["triton.kernels"]
    assert reading.free_words == ()


@pytest.mark.parametrize(
    ("words", "repos", "label"),
    [
        # Another ecosystem's name inside a topic's name: the topic, not that ecosystem.
        ("llvm dialect", [], "MLIR › LLVM dialect and export"),
        ("mlir llvm dialect", [], "MLIR › LLVM dialect and export"),
        (
            "onnx-mlir llvm dialect",
            [("onnx/onnx-mlir", "mlir")],
            "onnx/onnx-mlir › MLIR › LLVM dialect and export",
        ),
        ("tritongpu to llvm", [], "Triton › Lowering to LLVM"),
        ("matmul kernel", [], "Triton › Kernels and tutorials"),
        # ... only where the named repository's ecosystem has that topic.
        ("widgets matmul kernel", [("fictional/widgets", "llvm")], None),
        # The ecosystem's own topics read as before; a hyphenated project name stays one.
        ("mlir core", [], "MLIR › Core IR and infrastructure"),
        ("kernel scheduler", [], "Linux kernel › Scheduler"),
        ("torch-mlir", [], 'MLIR › "torch"'),
        ("torch_mlir", [], 'MLIR › "torch"'),
        ("llvm", [], "LLVM"),
        # An ecosystem the question names elsewhere keeps another's topics out, as before.
        ("iree matmul kernel", [], 'IREE › "matmul" "kernel"'),
        ("triton llvm dialect", [], 'Triton › "llvm"'),
    ],
)
def test_a_topic_named_with_another_ecosystems_name_is_that_topic(
    words: str, repos: list[tuple[str, str]], label: str | None
) -> None:
    reading = read_query(default_taxonomy(), words.split(), repos)
    if label is None:
        assert "triton.kernels" not in [t.id for t in reading.topics]
    else:
        assert reading.label == label


@pytest.mark.parametrize(
    ("words", "repos", "label"),
    [
        # A topic that bears the named repository's own name narrows nothing there.
        ("shardy mpmd", [("openxla/shardy", "xla")], 'openxla/shardy › XLA › "mpmd"'),
        ("stablehlo chlo", [("openxla/stablehlo", "xla")], 'openxla/stablehlo › XLA › "chlo"'),
        # Its other topics, and the topic elsewhere, read as before.
        (
            "stablehlo vhlo",
            [("openxla/stablehlo", "xla")],
            "openxla/stablehlo › XLA › VHLO and compatibility",
        ),
        ("xla mpmd", [("openxla/xla", "xla")], "XLA › Shardy"),
        ("mpmd", [("openxla/shardy", "xla")], "XLA › Shardy"),
    ],
)
def test_a_topic_named_as_the_repository_asked_of_it_is_read_as_words(
    words: str, repos: list[tuple[str, str]], label: str
) -> None:
    assert read_query(default_taxonomy(), words.split(), repos).label == label


@pytest.mark.parametrize(
    ("words", "label"),
    [
        # "llvm-project" is LLVM's alias and a repository: naming MLIR too, the question asks
        # about MLIR's bufferization in that repository.
        ("llvm-project mlir bufferization", "llvm/llvm-project › MLIR › Bufferization"),
        ("mlir bufferization llvm-project", "llvm/llvm-project › MLIR › Bufferization"),
        # Or when its other words name only a topic of MLIR, which holds it too.
        ("llvm-project bufferization", "llvm/llvm-project › MLIR › Bufferization"),
        ("llvm/llvm-project bufferization", "llvm/llvm-project › MLIR › Bufferization"),
        ("llvm-project linalg tiling", 'llvm/llvm-project › MLIR › Linalg › "tiling"'),
        ("llvm-project passes", "LLVM › Middle-end passes"),  # LLVM's own topic
        ("llvm-project cse", 'LLVM › "cse"'),  # no topic: a word, as before
        # Alone, or with LLVM's own topics, it stays the ecosystem, as before.
        ("llvm-project", "LLVM"),
        ("llvm-project x86", "LLVM › X86 backend"),
        ("llvm project x86", "LLVM › X86 backend"),
        # Only an ecosystem that holds the repository makes it one: no other holds Triton's,
        # XLA's or IREE's, so their names stay their ecosystems beside another's name.
        ("triton kernel", 'Triton › "kernel"'),
        ("xla triton", 'XLA › "triton"'),
        ("xla hlo llvm", 'XLA › HLO and its passes › "llvm"'),
        ("iree dispatch kernel", 'IREE › Dispatch creation and Flow › "kernel"'),
    ],
)
def test_a_repository_named_as_an_ecosystem_is_the_repository_beside_another(
    words: str, label: str
) -> None:
    repos = [
        ("llvm/llvm-project", "llvm"),
        ("llvm/torch-mlir", "mlir"),
        ("triton-lang/triton", "triton"),
        ("openxla/xla", "xla"),
        ("iree-org/iree", "iree"),
        ("torvalds/linux", "linux"),
    ]
    assert read_query(default_taxonomy(), words.split(), repos).label == label
