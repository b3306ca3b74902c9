"""Kinds of compiler code read from real projects' layouts, wherever the code lives."""

from __future__ import annotations

import pytest

from bot.taxonomy.structure import kinds_of, kinds_of_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # Triton's AMD backend: passes and the lowering to LLVM outside any `lib/Transforms/`.
        (
            "third_party/amd/lib/TritonAMDGPUTransforms/StreamPipeline.cpp",
            {"pass", "optimization"},
        ),
        ("third_party/amd/lib/TritonAMDGPUToLLVM/LoadStoreOpToLLVM.cpp", {"lowering", "llvm"}),
        # The kernel's BPF verifier (an analysis) and its JITs (code generation).
        ("kernel/bpf/verifier.c", {"analysis"}),
        ("arch/x86/net/bpf_jit_comp.c", {"codegen"}),
        # torch-mlir's dialect and conversion, CIRCT's dialect IR in TableGen.
        ("lib/Dialect/Torch/IR/TorchOps.cpp", {"dialect", "ir", "mlir"}),
        ("lib/Conversion/TorchToLinalg/Linear.cpp", {"lowering"}),
        ("include/circt/Dialect/FIRRTL/FIRRTLOps.td", {"dialect", "ir", "mlir"}),
        # llvm-project's layout still reads as before.
        ("llvm/lib/Target/AMDGPU/SIISelLowering.cpp", {"codegen", "llvm"}),
        ("llvm/lib/Transforms/Scalar/LICM.cpp", {"pass", "optimization", "llvm"}),
        ("mlir/lib/Analysis/Liveness.cpp", {"analysis", "mlir"}),
        # Passes named by their file, as XLA and TVM name them.
        ("xla/service/gpu/fusion_pass.cc", {"pass", "optimization"}),
        ("src/tir/transforms/unroll_loop.cc", {"pass", "optimization"}),
        # Not compiler code.
        ("docs/getting_started.md", set()),
        ("python/test/unit/test_core.py", set()),
        ("CMakeLists.txt", set()),
    ],
)
def test_kinds_come_from_the_layout_wherever_it_lives(path: str, expected: set[str]) -> None:
    assert kinds_of_path(path) == expected


def test_a_change_holds_every_kind_of_its_paths() -> None:
    paths = ["kernel/bpf/verifier.c", "arch/arm64/net/bpf_jit_comp.c", "Documentation/bpf.rst"]
    assert kinds_of(paths) == {"analysis", "codegen"}
    assert kinds_of([]) == frozenset()
