"""Size limits on what the tool reads, in a module light enough for the hot path."""

from __future__ import annotations

from compat.errors import MatrixError

#: A matrix file larger than this is refused before it is parsed.
MAX_BYTES = 16 * 1024 * 1024


def refuse_size(size: int, filename: str) -> MatrixError:
    """The error for a file of ``size`` bytes, too large to be a matrix."""
    # Exact bytes: rounded MiB would say "16.0 MiB; at most 16 MiB" for a file just over.
    return MatrixError(
        f"{filename}: the file is {size:,} bytes ({size / 1048576:.2f} MiB); a matrix file "
        f"may be at most {MAX_BYTES:,} bytes ({MAX_BYTES // 1048576} MiB)",
        hint="check that PATH names the matrix YAML file and not another file",
    )
