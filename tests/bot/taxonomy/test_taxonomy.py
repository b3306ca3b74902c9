"""The taxonomy: the shipped file's coverage, tagging on real path layouts, line-exact errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import TaxonomyError
from bot.taxonomy.model import default_taxonomy, glob_to_regex, load_taxonomy, parse_taxonomy

REQUIRED_TOPICS = {
    # MLIR dialects and bufferization, lowering, linalg, vector, GPU, sparse, transform, python
    "mlir.bufferization", "mlir.conversion", "mlir.linalg", "mlir.vector", "mlir.gpu",
    "mlir.sparse", "mlir.transform", "mlir.python",
    # LLVM passes, IR, codegen/SelectionDAG/GlobalISel, backends, vectorizers, LTO/PGO, sanitizers
    "llvm.passes", "llvm.ir", "llvm.codegen", "llvm.selectiondag", "llvm.globalisel", "llvm.x86",
    "llvm.aarch64", "llvm.amdgpu", "llvm.nvptx", "llvm.riscv", "llvm.vectorizers", "llvm.lto_pgo",
    "llvm.sanitizers",
    # TVM Relay, Relax, TIR, MetaSchedule, TOPI, runtime
    "tvm.relay", "tvm.relax", "tvm.tir", "tvm.metaschedule", "tvm.topi", "tvm.runtime",
    # Triton frontend, optimizer, NVIDIA and AMD backends, kernels; TritonNvidiaGPU (TMA,
    # tensor memory), warp specialization, Gluon, software pipelining
    "triton.frontend", "triton.optimizer", "triton.nvidia", "triton.amd", "triton.kernels",
    "triton.nvidia_gpu", "triton.warp_specialization", "triton.gluon", "triton.pipelining",
    # XLA HLO, GPU, SPMD/sharding, PJRT; codegen, autotuning, collectives, layout and memory
    # assignment, runtime; StableHLO's reference interpreter, quantisation, VHLO; Shardy
    "xla.hlo", "xla.gpu", "xla.spmd", "xla.pjrt", "xla.codegen", "xla.autotuning",
    "xla.collectives", "xla.memory_assignment", "xla.runtime", "xla.stablehlo_reference",
    "xla.quantization", "xla.vhlo", "xla.shardy",
    # IREE codegen (LLVMGPU, LLVMCPU, SPIR-V), dispatch/flow, stream, HAL, runtime
    "iree.llvmgpu", "iree.llvmcpu", "iree.spirv", "iree.dispatch", "iree.stream", "iree.hal",
    "iree.runtime",
    # Linux scheduler, mm, bpf, drivers/gpu
    "linux.scheduler", "linux.mm", "linux.bpf", "linux.drm",
}  # fmt: skip

VALID = """\
version: 1
ecosystems:
  toy:
    name: Toy
    repos: [example-org/toy]
    topics:
      parser:
        name: Parser
        paths: ["src/parse/**"]
"""


def test_shipped_taxonomy_covers_what_the_product_needs() -> None:
    taxonomy = default_taxonomy()
    ids = {topic.id for topic in taxonomy.topics()}
    assert len(ids) >= 50
    assert REQUIRED_TOPICS <= ids, REQUIRED_TOPICS - ids
    assert [eco.key for eco in taxonomy.ecosystems] == [
        "mlir", "llvm", "tvm", "triton", "xla", "iree", "linux",
    ]  # fmt: skip
    for repo in ("llvm/llvm-project", "triton-lang/triton", "apache/tvm", "openxla/xla",
                 "iree-org/iree", "torvalds/linux"):  # fmt: skip
        assert taxonomy.ecosystems_for_repo(repo), repo


@pytest.mark.parametrize(
    ("repo", "path", "label", "title", "expected", "unexpected"),
    [
        ("llvm/llvm-project", "mlir/lib/Dialect/Bufferization/Transforms/OneShotAnalysis.cpp",
         None, None, {"mlir", "mlir.bufferization"}, {"llvm"}),
        ("llvm/llvm-project", "llvm/lib/CodeGen/SelectionDAG/DAGCombiner.cpp",
         None, None, {"llvm", "llvm.selectiondag", "llvm.codegen"}, {"mlir"}),
        ("llvm/llvm-project", "llvm/lib/Target/RISCV/RISCVISelLowering.cpp",
         None, None, {"llvm.riscv"}, {"llvm.x86"}),
        ("llvm/llvm-project", "llvm/lib/Transforms/Vectorize/LoopVectorize.cpp",
         None, None, {"llvm.vectorizers", "llvm.passes"}, set()),
        ("llvm/llvm-project", "compiler-rt/lib/asan/asan_allocator.cpp",
         None, None, {"llvm.sanitizers"}, set()),
        ("triton-lang/triton", "third_party/amd/lib/TritonAMDGPUToLLVM/LoadStoreOpToLLVM.cpp",
         None, None, {"triton", "triton.amd"}, {"triton.nvidia"}),
        ("apache/tvm", "src/meta_schedule/search_strategy/evolutionary_search.cc",
         None, None, {"tvm.metaschedule"}, {"tvm.relax"}),
        ("openxla/xla", "xla/service/spmd/spmd_partitioner.cc",
         None, None, {"xla.spmd"}, {"xla.gpu"}),
        ("iree-org/iree", "compiler/src/iree/compiler/Codegen/LLVMGPU/KernelConfig.cpp",
         None, None, {"iree.llvmgpu"}, {"iree.llvmcpu"}),
        ("torvalds/linux", "kernel/sched/fair.c", None, None, {"linux.scheduler"}, {"linux.mm"}),
        ("torvalds/linux", "drivers/gpu/drm/amd/amdgpu/gfx_v12_0.c",
         None, None, {"linux.amdgpu"}, {"linux.drm"}),
        # A label alone places a PR in a topic (LLVM labels PRs by path).
        ("llvm/llvm-project", "mlir/docs/Passes.md", "MLIR:Bufferization", None,
         {"mlir.bufferization"}, set()),
        # Title keywords tag issues, which touch no paths; spaces match _ and -.
        ("apache/tvm", None, None, "[Bug] meta_schedule tuning crashes on CUDA",
         {"tvm", "tvm.metaschedule"}, set()),
        # `not_keywords`: phrases that hold a keyword and name something else. The kernel's
        # packet scheduler (`net/sched:`, `net_sched:`, `net: sched:`) and GPU scheduler
        # (`drm/sched:`) are not the scheduler `sched/fair:` names.
        ("torvalds/linux", "net/sched/sch_fq.c", None, "net/sched: fix a qdisc leak",
         {"linux"}, {"linux.scheduler"}),
        ("torvalds/linux", "net/sched/sch_fq.c", None, "net_sched: sch_fq: fix", {"linux"},
         {"linux.scheduler"}),
        ("torvalds/linux", "net/sched/act_ct.c", None, "net: sched: act_ct: fix", {"linux"},
         {"linux.scheduler"}),
        ("torvalds/linux", "drivers/gpu/drm/scheduler/sched_main.c", None, "drm/sched: fix",
         {"linux.drm"}, {"linux.scheduler"}),
        ("torvalds/linux", "arch/x86/kernel/smpboot.c", None, "sched/topology: fix",
         {"linux.scheduler"}, set()),
        ("torvalds/linux", "kernel/bpf/core.c", None, "bpf, sched: fix a race",
         {"linux.scheduler", "linux.bpf"}, set()),
        # "A runtime error" is a kind of bug, not the runtime; "[Runtime]" still is.
        ("apache/tvm", "src/relax/transform/fuse_ops.cc", None,
         "[Relax] Fix a runtime error in FuseOps", {"tvm.relax"}, {"tvm.runtime"}),
        ("apache/tvm", "src/runtime/ndarray.cc", None, "[Runtime] Fix a runtime error",
         {"tvm.runtime"}, set()),
        ("iree-org/iree", "compiler/src/iree/compiler/Codegen/LLVMGPU/KernelConfig.cpp", None,
         "[Codegen] Avoid a crash at runtime", {"iree.llvmgpu"}, {"iree.runtime"}),
        # Title prefixes elsewhere keep their keywords, after a slash too.
        ("llvm/llvm-project", "llvm/lib/Target/AMDGPU/AMDGPULegalizerInfo.cpp", None,
         "AMDGPU/GlobalISel: Fix legalization", {"llvm.globalisel", "llvm.amdgpu"}, set()),
        ("llvm/llvm-project", None, None, "[mlir][Vector/Linalg] fold a transpose",
         {"mlir.linalg"}, set()),
        # Work in another repository earns nothing from this taxonomy.
        ("example-org/unrelated", "mlir/lib/Dialect/Linalg/X.cpp", None, None, set(), {"mlir"}),
    ],
)  # fmt: skip
def test_tagging(
    repo: str,
    path: str | None,
    label: str | None,
    title: str | None,
    expected: set[str],
    unexpected: set[str],
) -> None:
    tags = default_taxonomy().tag(repo, [path] if path else [], [label] if label else [], title)
    assert expected <= tags
    assert not (unexpected & tags)


def test_shared_repo_title_keywords_do_not_cross_into_the_other_half() -> None:
    """An LLVM backend PR titled 'bufferization' must not become MLIR work."""
    tags = default_taxonomy().tag(
        "llvm/llvm-project", ["llvm/lib/Target/X86/X86ISelLowering.cpp"], [], "bufferization"
    )
    assert "mlir.bufferization" not in tags
    assert "llvm.x86" in tags


def test_tracked_ecosystem_tags_repos_outside_the_taxonomy() -> None:
    tags = default_taxonomy().tag(
        "example-org/mlir-fork", ["mlir/lib/Dialect/Linalg/Transforms/Tiling.cpp"], ecosystem="mlir"
    )
    assert {"mlir", "mlir.linalg"} <= tags


@pytest.mark.parametrize(
    ("ecosystem", "path", "expected", "unexpected"),
    [
        # A topic of one top folder (`mm/**`) keeps its folder at any depth: its rest alone
        # (`**/**`) matched every path of every repository tracked under the ecosystem.
        ("linux", "kernel/bpf/verifier.c", {"linux.bpf"}, {"linux.mm", "linux.rust"}),
        ("linux", "arch/x86/mm/fault.c", {"linux.mm"}, {"linux.rust"}),
        ("linux", "drivers/gpu/drm/rust/x.rs", {"linux.rust"}, {"linux.mm"}),
        ("tvm", "src/relax/transform/fuse_ops.cc", {"tvm.relax"}, {"tvm.runtime"}),
        ("tvm", "3rdparty/ffi/src/object.cc", {"tvm.runtime"}, set()),
        ("xla", "xla/service/gpu/fusion.cc", {"xla.gpu"}, {"xla.shardy", "xla.stablehlo"}),
        ("xla", "third_party/xla/xla/service/gpu/fusion.cc", {"xla.gpu"}, set()),
        # An ecosystem that is a whole repository keeps its layout under any folder, not
        # each glob's tail: `kernel/sched/**` is not `net/sched/`, `python/src/**` not `src/`.
        ("linux", "net/sched/sch_fq.c", set(), {"linux.scheduler"}),
        ("linux", "vendor/linux/kernel/sched/fair.c", {"linux.scheduler"}, set()),
        ("triton", "third_party/intel/backend/src/driver.cc", set(), {"triton.frontend"}),
        ("triton", "python/src/ir.cc", {"triton.frontend"}, set()),
        ("mlir", "lib/Dialect/Linalg/Transforms/Tiling.cpp", {"mlir.linalg"}, set()),
    ],
)
def test_a_folder_topic_holds_at_any_depth_without_taking_everything(
    ecosystem: str, path: str, expected: set[str], unexpected: set[str]
) -> None:
    tags = default_taxonomy().tag("example-org/downstream", [path], ecosystem=ecosystem)
    assert expected <= tags
    assert not (unexpected & tags)


DOWNSTREAM = """\
version: 1
ecosystems:
  toy:
    name: Toy
    repos: [example-org/toy]
    paths: ["toy/**"]
    topics:
      whole:
        name: All of it
        paths: ["toy/**"]
      parser:
        name: Parser
        paths: ["toy/src/parse/**"]
  tool:
    name: Tool
    repos: [example-org/tool]
    topics:
      ir:
        name: IR
        paths: ["{src,include}/ir/**"]
      bench:
        name: Benchmarks
        paths: ["**/bench/**"]
"""


@pytest.mark.parametrize(
    ("ecosystem", "path", "expected", "unexpected"),
    [
        # The ecosystem's top folder is dropped where the rest still names something ...
        ("toy", "src/parse/lexer.c", {"toy.parser"}, {"toy.whole"}),
        # ... and kept where the rest would be every path (`toy/**` is not `**/**`).
        ("toy", "vendor/toy/main.c", {"toy.whole"}, {"toy.parser"}),
        # A whole-repository ecosystem's globs, braces included, hold under any folder.
        ("tool", "third_party/tool/include/ir/ops.h", {"tool.ir"}, set()),
        ("tool", "src/ir/ops.cc", {"tool.ir"}, set()),
        ("tool", "src/ir_helpers/x.cc", set(), {"tool.ir"}),
        ("tool", "x/bench/run.py", {"tool.bench"}, set()),
    ],
)
def test_downstream_globs_in_a_custom_taxonomy(
    ecosystem: str, path: str, expected: set[str], unexpected: set[str]
) -> None:
    tags = parse_taxonomy(DOWNSTREAM, "team.yml").tag(
        "example-org/downstream", [path], ecosystem=ecosystem
    )
    assert expected <= tags
    assert not (unexpected & tags)


@pytest.mark.parametrize(
    ("glob", "matching", "not_matching"),
    [
        ("lib/*.cpp", "lib/a.cpp", "lib/sub/a.cpp"),
        ("lib/**", "lib/sub/deep/a.cpp", "src/lib/a.cpp"),
        ("mlir/**/Linalg/**", "mlir/lib/Dialect/Linalg/X.cpp", "mlir/lib/Dialect/Vector/X.cpp"),
        ("**/test/*.mlir", "test/a.mlir", "test/sub/a.mlir"),
        ("{src,include}/tir/**", "include/tir/x.h", "python/tir/x.py"),
        ("drivers/gpu/drm/*", "drivers/gpu/drm/drm_gem.c", "drivers/gpu/drm/amd/x.c"),
        ("file?.c", "file1.c", "file12.c"),
    ],
)
def test_glob_semantics(glob: str, matching: str, not_matching: str) -> None:
    pattern = re.compile(glob_to_regex(glob) + r"\Z")
    assert pattern.match(matching)
    assert not pattern.match(not_matching)


def test_aliases_resolve_ecosystems() -> None:
    taxonomy = default_taxonomy()
    assert taxonomy.ecosystem("Kernel") is taxonomy.ecosystem("linux")
    assert taxonomy.ecosystem("openxla") is taxonomy.ecosystem("xla")
    assert taxonomy.ecosystem("triton-lang") is taxonomy.ecosystem("triton")
    assert taxonomy.ecosystem("cobol") is None


def _error_for(text: str) -> str:
    with pytest.raises(TaxonomyError) as caught:
        parse_taxonomy(text, "team.yml")
    return str(caught.value)


def _with(line_no: int, replacement: str) -> str:
    """VALID with its line `line_no` (1-based) replaced."""
    lines = VALID.splitlines()
    lines[line_no - 1] = replacement
    return "\n".join(lines) + "\n"


def test_valid_minimal_file() -> None:
    taxonomy = parse_taxonomy(VALID, "team.yml")
    assert [t.id for t in taxonomy.topics()] == ["toy.parser"]
    assert taxonomy.tag("example-org/toy", ["src/parse/lexer.c"]) == {"toy", "toy.parser"}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (VALID.replace('paths: ["src/parse/**"]', 'paths: ["src/parse/**"'), 10, ""),
        (_with(8, "        nmae: Parser"), 8, "unknown setting 'nmae'"),
        (_with(9, '        paths: "src/parse/**"'), 9, "must be a list"),
        (_with(5, "    repos: [toy]"), 5, "is not an owner/name repository"),
        (_with(9, "        aliases: [p]"), 8, "matches nothing"),
        (_with(9, '        paths: ["/src/**"]'), 9, "relative to the repository root"),
        (_with(9, '        paths: ["src/{parse/**"]'), 9, "unclosed '{'"),
        (_with(9, '        paths: ["src/[z-a]/**"]'), 9, "bad character range"),
        (_with(7, "      Parser:"), 7, "lower-case"),
        (VALID + "      parser:\n        name: Again\n        labels: [x]\n", 10, "appears twice"),
        (VALID + "      lexer:\n        name: Lexer\n        aliases: [parser]\n"
         "        labels: [l]\n", 10, "'parser' already names topic 'toy.parser'"),
        (_with(4, "    name: [Toy]"), 4, "must be text"),
        # A phrase that holds none of the keywords would exclude nothing, silently.
        (VALID + "        keywords: [sched]\n        not_keywords: [net/shed]\n", 11,
         "'net/shed' holds none of its keywords"),
        (VALID + "        not_keywords: [net/sched]\n", 10, "holds none of its keywords"),
        ("", 1, "empty"),
        ("version: 1\n", 1, "needs an 'ecosystems:' section"),
    ],
)  # fmt: skip
def test_mistakes_name_their_line(text: str, line: int, fragment: str) -> None:
    message = _error_for(text)
    assert message.startswith(f"team.yml:{line}:"), message
    assert fragment in message


def test_load_from_a_file_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "taxonomy.yml"
    broken.write_text(_with(8, "        nmae: Parser"))
    with pytest.raises(TaxonomyError, match=rf"^{re.escape(str(broken))}:8: "):
        load_taxonomy(broken)
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "missing.yml")
