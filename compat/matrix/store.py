"""Load the matrix once, fast: compiled at build time, or from a cache when unchanged.

The shipped matrix is compiled when the wheel is built (:mod:`compat.matrix.prebuilt`)
and read as it is: no YAML, no pydantic, no hashing, no writes. Any other matrix
file (``--matrix``, ``SMDDP_COMPAT_MATRIX``, or the shipped one in a clone or an
editable install) is validated completely (pydantic, PyYAML) on its first load
and compiled into plain tables, written atomically to the user's cache directory
under the file's SHA-256. Later loads of the same bytes read the compiled tables
with :mod:`marshal` and import neither pydantic nor PyYAML. A cache entry that is
stale, truncated or corrupt fails its checksum and is rebuilt; a cache directory
that cannot be written costs one compile per process, and says so (once) at debug
level in the ``compat.matrix`` logger, which ``--debug`` shows on stderr.
"""

from __future__ import annotations

import marshal
import os

from compat.errors import MatrixError, UnknownFrameworkError, UnknownRegionError
from compat.matrix.resources import shipped_matrix_path

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from packaging.version import Version

    from compat.matrix.layout import (
        CompiledFramework,
        CompiledMatrix,
        CompiledRelease,
        NamedRegion,
    )
    from compat.matrix.schema import MatrixDocument

#: Set to a directory to move the compiled cache, or to "" to turn it off.
CACHE_ENV = "SMDDP_COMPAT_CACHE_DIR"
_MAGIC = b"SMDDPC1\n"
_DIGEST_SIZE = 32

#: Matrices loaded in this process, by path: (sha256, Matrix).
_LOADED: dict[str, Matrix] = {}


def cache_dir() -> str | None:
    """Where compiled matrices are kept, or None when caching is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return configured or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "smddp-compat")


_PATH_HINT = "check --matrix or SMDDP_COMPAT_MATRIX, or leave both unset for the shipped one"


def read_matrix_bytes(path: str) -> bytes:
    """The bytes of a matrix file, or a MatrixError that says why not."""
    from compat.matrix.limits import MAX_BYTES, refuse_size

    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_BYTES:
                raise refuse_size(size, path)
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise MatrixError(f"{path}: no such matrix file", hint=_PATH_HINT) from None
    except IsADirectoryError:
        raise MatrixError(f"{path}: is a directory, not a matrix file", hint=_PATH_HINT) from None
    except OSError as exc:
        raise MatrixError(f"{path}: cannot be read: {exc.strerror}", hint=_PATH_HINT) from None
    return data


def load_matrix(path: str | os.PathLike[str] | None = None, *, use_cache: bool = True) -> Matrix:
    """The validated matrix at ``path`` (default: the shipped one).

    The shipped matrix comes from its build-time compiled form when that is
    present and matches the file; ``use_cache=False`` validates the file itself
    and neither reads nor writes any compiled form. Raises :class:`MatrixError`
    listing every problem when the file is invalid; a matrix loaded earlier in
    the process is untouched by a failed load.
    """
    given: object = path
    if given is not None and not isinstance(given, str | os.PathLike):
        from compat.arguments import require_type

        require_type(
            "path",
            given,
            str,
            "a path (str or os.PathLike) or None",
            "pass the matrix file's path, such as 'data/matrix.yaml'",
        )
    if path is None:
        file = shipped_matrix_path()
        if use_cache:
            from compat.matrix.prebuilt import read_prebuilt

            prebuilt = read_prebuilt(file)
            if prebuilt is not None:
                return _remember(file, prebuilt)
    else:
        file = os.fspath(path)
    import hashlib

    data = read_matrix_bytes(file)
    digest = hashlib.sha256(data).hexdigest()
    known = _LOADED.get(file)
    if known is not None and known.sha256 == digest:
        return known
    compiled = _read_cache(digest) if use_cache else None
    if compiled is None:
        compiled = compile_bytes(data, file, digest)
        if use_cache:
            _write_cache(digest, compiled)
    return _remember(file, compiled)


def _remember(file: str, compiled: CompiledMatrix) -> Matrix:
    """The Matrix of ``compiled``: the one loaded before if it has the same content."""
    known = _LOADED.get(file)
    if known is not None and known.sha256 == compiled["sha256"]:
        return known
    matrix = Matrix(compiled, path=file)
    _LOADED[file] = matrix
    return matrix


def compile_bytes(data: bytes, filename: str, digest: str | None = None) -> CompiledMatrix:
    """Validate ``data`` completely and compile it; the slow path."""
    return validate_and_compile(data, filename, digest)[1]


def validate_and_compile(
    data: bytes, filename: str, digest: str | None = None
) -> tuple[MatrixDocument, CompiledMatrix]:
    """The validated document of ``data`` and its compiled tables, from the same bytes.

    For a caller that serves the document itself next to answers from the
    compiled form (the HTTP service's GET /v1/matrix), so the two never disagree.
    Raises :class:`MatrixError` listing every problem.
    """
    import hashlib

    from compat.matrix.compiler import compile_document
    from compat.matrix.validate import parse_document

    doc = parse_document(data, filename)
    return doc, compile_document(doc, digest or hashlib.sha256(data).hexdigest())


def _cache_file(digest: str) -> str | None:
    from compat._version import __version__
    from compat.matrix.layout import COMPILED_FORMAT

    directory = cache_dir()
    if directory is None:
        return None
    return os.path.join(
        directory, f"matrix-{digest[:32]}-f{COMPILED_FORMAT}-v{__version__}.marshal"
    )


def _read_cache(digest: str) -> CompiledMatrix | None:
    from compat.matrix.layout import COMPILED_FORMAT

    file = _cache_file(digest)
    if file is None:
        return None
    try:
        with open(file, "rb") as fh:
            blob = fh.read()
    except OSError:
        return None
    header = len(_MAGIC) + _DIGEST_SIZE
    if len(blob) <= header or not blob.startswith(_MAGIC):
        return None
    import hashlib

    payload = blob[header:]
    if hashlib.sha256(payload).digest() != blob[len(_MAGIC) : header]:
        return None
    try:
        loaded = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    # Written by _write_cache from the compiler's output (the checksum holds);
    # the checks below catch a file of another layout or for another matrix.
    compiled: CompiledMatrix = loaded
    if (
        not isinstance(loaded, dict)
        or compiled.get("format") != COMPILED_FORMAT
        or compiled.get("sha256") != digest
    ):
        return None
    return compiled


def _write_cache(digest: str, compiled: CompiledMatrix) -> None:
    """Write the compiled form atomically; any failure only loses the speed-up."""
    file = _cache_file(digest)
    if file is None:
        return
    import hashlib

    # A TypedDict is a plain dict at run time; typeshed's marshal types do not say so.
    payload = marshal.dumps(compiled)  # type: ignore[arg-type]
    try:
        from compat.matrix.atomic import write_bytes_atomic

        write_bytes_atomic(file, _MAGIC + hashlib.sha256(payload).digest() + payload)
    except OSError as exc:
        _tell_unwritable(file, exc)


#: Whether an unwritable cache was reported in this process (it is said once).
_TOLD: list[bool] = []


def _tell_unwritable(file: str, exc: OSError) -> None:
    """Say once, at debug level, that each run will compile again (``--debug`` shows it)."""
    if _TOLD:
        return
    _TOLD.append(True)
    import logging

    logging.getLogger("compat.matrix").debug(
        "cannot write the compiled matrix to %s (%s): each run validates and compiles the "
        "matrix again; set %s to a writable directory, or to an empty value to turn the "
        "cache off",
        file,
        exc.strerror or exc,
        CACHE_ENV,
    )


class Matrix:
    """A loaded matrix: the compiled tables and the indexes built over them."""

    __slots__ = ("_versions", "compiled", "path", "sha256")

    def __init__(self, compiled: CompiledMatrix, *, path: str | None = None) -> None:
        self.compiled = compiled
        self.path = path
        self.sha256: str = compiled["sha256"]
        self._versions: dict[str, list[tuple[Version, int]]] = {}

    # -- lookups -------------------------------------------------------------
    def framework(self, name: str) -> str:
        """The canonical framework name for ``name`` or one of its aliases."""
        key = name.strip().lower()
        canonical = self.compiled["aliases"].get(key)
        if canonical is not None:
            return str(canonical)
        from compat.matrix.suggest import closest

        choices = sorted(self.compiled["frameworks"])
        aliases = ", ".join(
            f"{fw} ({', '.join(self.compiled['frameworks'][fw]['aliases'])})" for fw in choices
        )
        guess = closest(key, list(self.compiled["aliases"]))
        did_you_mean = f"did you mean {self.compiled['aliases'][guess]!r}? " if guess else ""
        raise UnknownFrameworkError(
            f"unknown framework {name!r}",
            hint=f"{did_you_mean}known frameworks (and aliases): {aliases}",
            choices=choices,
        )

    def display_name(self, framework: str) -> str:
        """How people write a canonical framework name: ``PyTorch``, ``PyTorch Lightning``."""
        return str(self.compiled["frameworks"][framework]["display_name"])

    def region(self, name: str) -> NamedRegion:
        """The partition, account and DNS suffix of a region."""
        key = name.strip().lower()
        found = self.compiled["regions"].get(key)
        if found is not None:
            return {"name": key, **found}
        from compat.matrix.suggest import closest

        choices = sorted(self.compiled["regions"])
        guess = closest(key, choices)
        did_you_mean = f"did you mean {guess}? " if guess else ""
        raise UnknownRegionError(
            f"unknown region {name!r}",
            hint=f"{did_you_mean}known regions: {', '.join(choices)}",
            choices=choices,
        )

    def releases(self, framework: str) -> list[CompiledRelease]:
        """The releases of a canonical framework name, in file order."""
        return list(self.compiled["releases"][framework])

    def release_at(self, framework: str, index: int) -> CompiledRelease:
        return self.compiled["releases"][framework][index].copy()

    def exact_index(self, framework: str, canonical_version: str) -> int | None:
        """The release whose canonical version string is exactly this, if any."""
        found = self.compiled["version_index"][framework].get(canonical_version)
        return None if found is None else int(found)

    def release_for(self, framework: str, canonical_version: str) -> CompiledRelease:
        """The compiled row of a resolved release: exactly that version, or an error.

        Preflight, the SDK arguments and doctor read the row behind a
        :class:`~compat.results.Resolution`; they must never fall back to
        another release (the newest, say) and answer for a version not asked.
        """
        index = self.exact_index(framework, canonical_version)
        if index is None:
            raise LookupError(
                f"{framework} {canonical_version} is not a release of the matrix {self.path}"
            )
        row: CompiledRelease = self.compiled["releases"][framework][index]
        return row

    def newest_index(self, framework: str) -> int:
        """The index of the newest release (the compiled order; no version parsing)."""
        return int(self.compiled["order"][framework][0])

    def versions_newest_first(self, framework: str) -> list[tuple[Version, int]]:
        """(packaging Version, index) pairs, newest first; parsed once per framework."""
        cached = self._versions.get(framework)
        if cached is None:
            from packaging.version import Version

            rows = self.compiled["releases"][framework]
            cached = [(Version(rows[i]["version"]), i) for i in self.compiled["order"][framework]]
            self._versions[framework] = cached
        return cached

    def region_set(self, name: str) -> list[str]:
        return list(self.compiled["region_sets"][name])

    def in_region_set(self, name: str | None, region: str) -> bool:
        if name is None:
            return True
        return region in self.compiled["region_sets"][name]

    def iter_frameworks(self) -> Iterator[tuple[str, CompiledFramework]]:
        yield from self.compiled["frameworks"].items()

    def document(self) -> MatrixDocument:
        """The full validated document, re-read from the file (the slow path)."""
        from compat.matrix.validate import parse_document

        if self.path is None:
            raise MatrixError("this matrix was not loaded from a file")
        return parse_document(read_matrix_bytes(self.path), self.path)


_DEFAULT: list[Matrix] = []


def default_matrix() -> Matrix:
    """The shipped matrix, loaded once per process (``load_matrix()`` reloads it)."""
    if not _DEFAULT:
        _DEFAULT.append(load_matrix(None))
    return _DEFAULT[0]


def matrix_or_default(matrix: Matrix | None) -> Matrix:
    """``matrix``, or the shipped one when None: how library functions take a matrix."""
    if matrix is None:
        return default_matrix()
    given: object = matrix
    if not isinstance(given, Matrix):
        from compat.arguments import require_type

        require_type(
            "matrix",
            given,
            Matrix,
            "a compat.Matrix or None",
            "pass matrix=compat.load_matrix(path), or leave it out for the shipped matrix",
        )
    return matrix
