"""What pip must add to a release's image: shared by the Dockerfile and the SDK recipes.

A DLC or a CUDA base carries the framework the matrix names (PyTorch, or the
PyTorch under Lightning and Transformers), not the packages on top of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compat.results import Resolution


def extra_requirements(res: Resolution) -> tuple[str, ...]:
    """Packages the container lacks: Lightning (pinned) and its bolts for v1, transformers."""
    from packaging.version import Version

    if res.framework == "pytorch-lightning":
        out = []
        for name in res.requirements:
            if name == "pytorch-lightning":
                out.append(f"pytorch-lightning=={res.framework_version}")
            elif name == "lightning-bolts" and Version(res.framework_version).major >= 2:
                continue  # AWS names lightning-bolts for Lightning v1 only
            else:
                out.append(name)
        return tuple(out)
    if res.framework == "huggingface":
        return (f"transformers=={res.framework_version}",)
    return tuple(res.requirements)
