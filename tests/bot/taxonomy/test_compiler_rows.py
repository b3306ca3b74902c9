"""Triton, XLA and StableHLO topic rows, checked on paths as the real repositories lay them out.

Every path below exists (or existed) in triton-lang/triton, openxla/xla, openxla/stablehlo or
openxla/shardy; the near misses are real files that share a word with a topic but not its
subject, so a glob loosened by a later edit shows up here.
"""

from __future__ import annotations

import pytest

from bot.taxonomy.model import default_taxonomy
from bot.taxonomy.question import read_query

TRITON = "triton-lang/triton"
XLA = "openxla/xla"
STABLEHLO = "openxla/stablehlo"
SHARDY = "openxla/shardy"


@pytest.mark.parametrize(
    ("repo", "path", "topic"),
    [
        # TritonNvidiaGPU: the dialect, TMA and tensor memory, wherever they are lowered.
        (TRITON, "lib/Dialect/TritonNvidiaGPU/Transforms/FenceInsertion.cpp", "triton.nvidia_gpu"),
        (TRITON, "include/triton/Dialect/TritonNvidiaGPU/IR/TritonNvidiaGPUOps.td",
         "triton.nvidia_gpu"),
        (TRITON, "test/TritonNvidiaGPU/membar.mlir", "triton.nvidia_gpu"),
        (TRITON, "lib/Dialect/TritonGPU/Transforms/HoistTMEMAlloc.cpp", "triton.nvidia_gpu"),
        (TRITON, "third_party/nvidia/lib/TritonNVIDIAGPUToLLVM/TMAToLLVM.cpp", "triton.nvidia_gpu"),
        (TRITON, "third_party/nvidia/lib/TritonNVIDIAGPUToLLVM/TensorMemoryToLLVM.cpp",
         "triton.nvidia_gpu"),
        (TRITON, "python/tutorials/gluon/09-tma-gather-scatter.py", "triton.nvidia_gpu"),
        (TRITON, "python/test/gluon/test_ragged_tma.py", "triton.nvidia_gpu"),
        # Warp specialisation, in TritonGPU, TritonNvidiaGPU and the Hopper pieces.
        (TRITON, "lib/Dialect/TritonGPU/Transforms/WarpSpecialization/PartitionLoops.cpp",
         "triton.warp_specialization"),
        (TRITON, "third_party/nvidia/hopper/lib/Transforms/WarpSpecialization/WSCodePartition.cpp",
         "triton.warp_specialization"),
        (TRITON, "third_party/nvidia/lib/TritonNVIDIAGPUToLLVM/ConvertWarpSpecializeToLLVM.cpp",
         "triton.warp_specialization"),
        (TRITON, "lib/Dialect/TritonNvidiaGPU/Transforms/WSMaterialization.cpp",
         "triton.warp_specialization"),
        (TRITON, "python/tutorials/gluon/08-warp-specialization.py", "triton.warp_specialization"),
        # Gluon: the Python language, its dialect and its tests.
        (TRITON, "python/triton/experimental/gluon/language/_layouts.py", "triton.gluon"),
        (TRITON, "lib/Dialect/Gluon/Transforms/ResolveAutoEncodings.cpp", "triton.gluon"),
        (TRITON, "include/triton/Dialect/Gluon/IR/GluonOps.td", "triton.gluon"),
        (TRITON, "test/Gluon/auto_encoding.mlir", "triton.gluon"),
        (TRITON, "python/src/gluon_ir.cc", "triton.gluon"),
        # Software pipelining and loop scheduling.
        (TRITON, "lib/Dialect/TritonGPU/Transforms/Pipeliner/AssignLatencies.cpp",
         "triton.pipelining"),
        (TRITON, "lib/Dialect/TritonGPU/Transforms/Pipeliner/Schedule.cpp", "triton.pipelining"),
        (TRITON, "lib/Dialect/TritonGPU/Transforms/LoopScheduling.cpp", "triton.pipelining"),
        (TRITON, "include/triton/Dialect/TritonGPU/Transforms/PipeliningUtility.h",
         "triton.pipelining"),
        (TRITON, "test/TritonGPU/amd/amd-loop-pipeline.mlir", "triton.pipelining"),
        # XLA codegen, autotuning, collectives, layout and memory assignment, runtime.
        (XLA, "xla/codegen/emitters/transforms/lower_tensors.cc", "xla.codegen"),
        (XLA, "xla/backends/cpu/codegen/tiled/tiled_fusion_emitter.cc", "xla.codegen"),
        (XLA, "xla/service/gpu/autotuning/gemm_fusion_autotuner.cc", "xla.autotuning"),
        (XLA, "xla/backends/autotuner/codegen_orchestrator.cc", "xla.autotuning"),
        (XLA, "xla/service/gpu/autotuning/conv_algorithm_picker.cc", "xla.autotuning"),
        (XLA, "xla/backends/gpu/collectives/nccl_communicator.cc", "xla.collectives"),
        (XLA, "xla/hlo/transforms/collectives/all_gather_combiner.cc", "xla.collectives"),
        (XLA, "xla/service/collective_pipeliner.cc", "xla.collectives"),
        (XLA, "xla/service/all_reduce_combiner.cc", "xla.collectives"),
        (XLA, "xla/service/layout_assignment.cc", "xla.memory_assignment"),
        (XLA, "xla/service/gpu/transforms/layout_assignment.cc", "xla.memory_assignment"),
        (XLA, "xla/service/memory_space_assignment/algorithm.cc", "xla.memory_assignment"),
        (XLA, "xla/service/buffer_assignment.cc", "xla.memory_assignment"),
        (XLA, "xla/runtime/execution_graph.cc", "xla.runtime"),
        (XLA, "xla/backends/cpu/runtime/thunk_executor.cc", "xla.runtime"),
        (XLA, "xla/backends/gpu/runtime/command_buffer_thunk.cc", "xla.runtime"),
        # StableHLO: the reference interpreter, quantisation, VHLO.
        (STABLEHLO, "stablehlo/reference/Ops.cpp", "xla.stablehlo_reference"),
        (STABLEHLO, "stablehlo/tests/interpret/all_reduce.mlir", "xla.stablehlo_reference"),
        (STABLEHLO, "stablehlo/transforms/StablehloLegalizeQuantToMath.cpp", "xla.quantization"),
        (STABLEHLO, "stablehlo/transforms/StablehloLegalizeQDQToQuantizedOp.cpp",
         "xla.quantization"),
        (STABLEHLO, "stablehlo/tests/transforms/stablehlo_legalize_quant_to_int.mlir",
         "xla.quantization"),
        (STABLEHLO, "stablehlo/testdata/quantized/add_qi8.mlir", "xla.quantization"),
        (STABLEHLO, "stablehlo/dialect/VhloOps.td", "xla.vhlo"),
        (STABLEHLO, "stablehlo/transforms/StablehloLegalizeToVhlo.cpp", "xla.vhlo"),
        (STABLEHLO, "stablehlo/tests/vhlo/vhlo_to_version_downgrade_patch.mlir", "xla.vhlo"),
        (STABLEHLO, "stablehlo/dialect/Version.cpp", "xla.vhlo"),
        # Shardy, in its own repository and in XLA's bridge to it.
        (SHARDY, "shardy/dialect/sdy/transforms/propagation/basic_propagation.cc", "xla.shardy"),
        (SHARDY, "shardy/dialect/mpmd/ir/dialect.cc", "xla.shardy"),
        (XLA, "xla/service/spmd/shardy/sdy_round_trip/import_shardy_attrs.cc", "xla.shardy"),
    ],
)  # fmt: skip
def test_real_paths_tag_to_their_topic(repo: str, path: str, topic: str) -> None:
    tags = default_taxonomy().tag(repo, [path])
    assert topic in tags, sorted(tags)


@pytest.mark.parametrize(
    ("repo", "path", "topic"),
    [
        # A word in common is not the subject.
        (STABLEHLO, "stablehlo/testdata/dynamic/nanquantile_dynamic.mlir", "xla.quantization"),
        (TRITON, "lib/Dialect/TritonGPU/Transforms/Coalesce.cpp", "triton.pipelining"),
        (TRITON, "lib/Dialect/TritonGPU/Transforms/Coalesce.cpp", "triton.nvidia_gpu"),
        (TRITON, "third_party/nvidia/lib/TritonNVIDIAGPUToLLVM/DotOpToLLVM/WGMMA.cpp",
         "triton.nvidia_gpu"),
        (TRITON, "python/triton/language/core.py", "triton.gluon"),
        (TRITON, "test/TritonGPU/amd/amd-instruction-sched.mlir", "triton.warp_specialization"),
        (XLA, "xla/service/gpu/fusions/reduction.cc", "xla.collectives"),
        (XLA, "xla/service/hlo_verifier.cc", "xla.memory_assignment"),
        (XLA, "xla/pjrt/pjrt_client.cc", "xla.runtime"),
        (STABLEHLO, "stablehlo/dialect/StablehloOps.cpp", "xla.vhlo"),
        (STABLEHLO, "stablehlo/transforms/StablehloRefineShapes.cpp", "xla.stablehlo_reference"),
        # A topic's globs hold inside its ecosystem only.
        ("llvm/llvm-project", "mlir/lib/Dialect/Quant/IR/QuantOps.cpp", "xla.quantization"),
    ],
)  # fmt: skip
def test_near_misses_stay_out(repo: str, path: str, topic: str) -> None:
    assert topic not in default_taxonomy().tag(repo, [path])


def test_shardy_work_is_still_sharding_work() -> None:
    """Shardy got a topic of its own; its work still counts for SPMD partitioning and sharding."""
    tags = default_taxonomy().tag(
        SHARDY, ["shardy/dialect/sdy/transforms/export/reshard_to_collectives.cc"]
    )
    assert {"xla.shardy", "xla.spmd"} <= tags


def test_titles_tag_issues_into_the_new_topics() -> None:
    taxonomy = default_taxonomy()
    assert "triton.nvidia_gpu" in taxonomy.tag(TRITON, title="TMA descriptor crash on sm_100")
    assert "triton.gluon" in taxonomy.tag(TRITON, title="[Gluon] layout inference fails")
    assert "xla.vhlo" in taxonomy.tag(STABLEHLO, title="Bump VHLO version to 1.20")
    assert "xla.autotuning" in taxonomy.tag(XLA, title="[XLA:GPU] Cache autotuning results")


@pytest.mark.parametrize(
    ("words", "topics"),
    [
        ("tma", ["triton.nvidia_gpu"]),
        ("triton tmem", ["triton.nvidia_gpu"]),
        ("tensor memory", ["triton.nvidia_gpu"]),
        ("warp specialization", ["triton.warp_specialization"]),
        ("gluon", ["triton.gluon"]),
        ("triton pipeliner", ["triton.pipelining"]),
        ("software pipelining", ["triton.pipelining"]),
        ("vhlo", ["xla.vhlo"]),
        ("xla autotuning", ["xla.autotuning"]),
        ("reference interpreter", ["xla.stablehlo_reference"]),
        ("stablehlo interpreter", ["xla.stablehlo_reference"]),
        ("shardy", ["xla.shardy"]),
        ("all reduce", ["xla.collectives"]),
        ("memory space assignment", ["xla.memory_assignment"]),
        ("xla runtime", ["xla.runtime"]),
        ("xla codegen", ["xla.codegen"]),
        # Two phrases narrow: StableHLO's own work on quantisation.
        ("stablehlo quantization", ["xla.stablehlo", "xla.quantization"]),
        # Bare, the word names TVM's auto-tuner too; a question naming XLA gets XLA's alone.
        ("autotuning", ["tvm.metaschedule", "xla.autotuning"]),
    ],
)
def test_questions_read_to_the_new_topics(words: str, topics: list[str]) -> None:
    reading = read_query(default_taxonomy(), words.split())
    assert [topic.id for topic in reading.topics] == topics
    assert reading.free_words == ()


def test_names_moved_to_the_narrower_topic_name_it_alone() -> None:
    """`tma`, `pipeliner` and `shardy` now name their own topics, never also the wider one."""
    taxonomy = default_taxonomy()
    assert "tma" not in taxonomy.topics_by_id()["triton.nvidia"].aliases
    assert "pipeliner" not in taxonomy.topics_by_id()["triton.optimizer"].aliases
    assert "shardy" not in taxonomy.topics_by_id()["xla.spmd"].aliases
    assert read_query(taxonomy, ["hopper"]).topics[0].id == "triton.nvidia"
    assert [t.id for t in read_query(taxonomy, ["xla", "sharding"]).topics] == ["xla.spmd"]
