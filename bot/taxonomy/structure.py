"""What kind of compiler code a path holds, read from the code's own layout wherever it lives.

Role fit asks "has this person built passes, lowerings, IR, analyses?". A folder named
`lib/Transforms/` is only llvm-project's spelling of that: Triton's AMD backend keeps its passes
in `third_party/amd/lib/TritonAMDGPUTransforms/` and its lowering in `TritonAMDGPUToLLVM/`, the
kernel keeps BPF's verifier in `kernel/bpf/verifier.c` and its JITs in `arch/*/net/bpf_jit*.c`.
The same conventions the ranking reads (`…/Dialect/<Name>/`, `<A>To<B>` conversions) are read
here once per distinct path, so every face that rates work agrees about what the work was.

Kinds:
  ir           IR definitions (`IR/` folders, TableGen `.td`)
  analysis     analyses and verifiers (`Analysis/`, `*Analysis.*`, `verifier.*`)
  pass         transformation passes (`Transforms/`, `*Transforms/`, `Passes/`, `*Pass.*`)
  lowering     conversions between IRs (`Conversion/`, `<A>To<B>`, `Lowering`)
  dialect      MLIR dialects (`Dialect/<Name>/`)
  codegen      code generation (`CodeGen/`, `Target/<T>/`, instruction selection, JITs)
  optimization passes and code whose name says performance work (pipelining, scheduling,
               vectorisation, tiling, fusion, prefetching, autotuning, cost models)
  llvm         code built on LLVM (`llvm` in a folder or file name, `.ll` files)
  mlir         code built on MLIR (`mlir` in a name, `.mlir` files, dialects, TableGen)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import PurePosixPath

KINDS = (
    "ir",
    "analysis",
    "pass",
    "lowering",
    "dialect",
    "codegen",
    "optimization",
    "llvm",
    "mlir",
)

_SPLIT = re.compile(r"[^0-9A-Za-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# `TorchToLinalg`, `TritonAMDGPUToLLVM`, `LoadStoreOpToLLVM`, `stablehlo_to_linalg`.
_CONVERSION = re.compile(r"[A-Za-z0-9]+To[A-Z][A-Za-z0-9]*$|[a-z0-9]+_to_[a-z0-9_]+$")

_FOLDERS = {
    "ir": "ir",
    "analysis": "analysis",
    "analyses": "analysis",
    "transforms": "pass",
    "transform": "pass",
    "passes": "pass",
    "conversion": "lowering",
    "conversions": "lowering",
    "lowering": "lowering",
    "lowerings": "lowering",
    "dialect": "dialect",
    "dialects": "dialect",
    "codegen": "codegen",
    "target": "codegen",
    "targets": "codegen",
    "isel": "codegen",
    "selectiondag": "codegen",
    "globalisel": "codegen",
}
_OPTIMIZATION = frozenset(
    {
        *("pipeline", "pipeliner", "pipelining", "pipelined", "prefetch", "prefetching"),
        *("schedule", "scheduler", "scheduling", "autotune", "autotuner", "autotuning", "tuning"),
        *("vectorize", "vectorizer", "vectorization", "vectorise", "tiling", "tile"),
        *("costmodel", "fusion", "fuse", "fuser", "unroll", "unrolling", "coalesce", "coalescing"),
        *("swizzle", "swizzling", "peephole", "licm", "inliner"),
    }
)


def _words(name: str) -> set[str]:
    found: set[str] = set()
    for chunk in _SPLIT.split(name):
        if chunk:
            found.add(chunk.lower())
            found.update(part.lower() for part in _CAMEL.split(chunk))
    return found


@lru_cache(maxsize=100_000)
def kinds_of_path(path: str) -> frozenset[str]:
    """The kinds of compiler code `path` holds (empty for docs, tests' data, build files...)."""
    pure = PurePosixPath(path)
    folders = pure.parent.parts
    stem, suffix = pure.stem, pure.suffix.lower()
    kinds: set[str] = set()
    for folder in folders:
        lowered = folder.lower()
        kind = _FOLDERS.get(lowered)
        if kind:
            kinds.add(kind)
        elif lowered.endswith("transforms") or lowered.endswith("passes"):
            kinds.add("pass")  # Triton's `TritonAMDGPUTransforms`, `TritonGPUTransforms`
        if _CONVERSION.match(folder):
            kinds.add("lowering")
    if _CONVERSION.match(stem):
        kinds.add("lowering")
    stem_words = _words(stem)
    if stem.endswith(("Pass", "Passes")) or stem_words & {"pass", "passes"}:
        kinds.add("pass")
    if stem.endswith("Analysis") or stem_words & {"analysis", "verifier"}:
        kinds.add("analysis")
    if stem_words & {"jit", "isel", "codegen"}:
        kinds.add("codegen")
    if suffix == ".td":
        kinds |= {"ir", "mlir" if "dialect" in kinds else "llvm"}
    names = stem_words.union(*(_words(folder) for folder in folders))
    if names & _OPTIMIZATION:
        kinds.add("optimization")
    if "llvm" in names or "llvmir" in names or suffix == ".ll":
        kinds.add("llvm")
    if "mlir" in names or suffix == ".mlir" or "dialect" in kinds:
        kinds.add("mlir")
    return frozenset(kinds)


def kinds_of(paths: Iterable[str]) -> frozenset[str]:
    """Every kind any of `paths` holds."""
    found: set[str] = set()
    for path in paths:
        found |= kinds_of_path(path)
    return frozenset(found)
