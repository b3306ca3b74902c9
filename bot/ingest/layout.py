"""Which tree a repository's paths follow, for tagging them with the taxonomy's topics.

A repository the taxonomy lists (llvm/llvm-project, torvalds/linux) is tagged by its curated
globs; another one tracked under an ecosystem (a fork, torch-mlir) by the same globs matched
at any depth, as its layout is its own. A mailing list has no tree: its patches are against
its ecosystem's own repository, so they are tagged as that repository's commits are, and a
patch and the commit it became agree. Matched at any depth instead, a kernel list's patches
to `arch/x86/mm/` or `Documentation/rust/` were memory management or Rust for Linux work by
their paths alone, which the kernel's own commits there are not.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.taxonomy.model import Taxonomy

LIST_PREFIX = "mail:"  # a mailing list's name in the store (`mail:bpf`)


def tag_work(
    taxonomy: Taxonomy,
    full_name: str,
    ecosystem: str,
    paths: Sequence[str],
    labels: Sequence[str],
    title: str | None,
) -> set[str]:
    """The topic tags of a piece of work of `full_name` (stored under `ecosystem`): what
    ingest writes and a retag works out again, in one place."""
    layout = layout_of(taxonomy, full_name, ecosystem)
    return taxonomy.tag(layout, paths, labels, title, ecosystem=ecosystem)


def layout_of(taxonomy: Taxonomy, full_name: str, ecosystem: str) -> str:
    """The repository whose layout the paths of `full_name` (stored under `ecosystem`) follow:
    itself, or for a mailing list the first repository its ecosystem lists (itself when its
    ecosystem is not in the taxonomy)."""
    if full_name.startswith(LIST_PREFIX):
        found = taxonomy.ecosystem(ecosystem)
        if found is not None and found.repos:
            return found.repos[0]
    return full_name
