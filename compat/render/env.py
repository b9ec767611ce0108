"""``--format env``: one resolution as shell-quoted ``SMDDP_*=value`` lines, for ``eval``."""

from __future__ import annotations

from compat.errors import UsageError
from compat.render import Renderer
from compat.results import Resolution

#: What shlex.quote leaves unquoted (its ``[^\w@%+=:,./-]`` with re.ASCII), without re.
_SHELL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def shell_quote(text: str) -> str:
    """``shlex.quote(text)``, without importing shlex (and with it re and enum)."""
    if not text:
        return "''"
    if _SHELL_SAFE.issuperset(text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def env_lines(res: Resolution) -> list[str]:
    """``KEY=value`` lines, values quoted for a POSIX shell, a missing value empty."""
    pairs = {
        "SMDDP_FRAMEWORK": res.framework,
        "SMDDP_FRAMEWORK_VERSION": res.framework_version,
        "SMDDP_VERSION": res.smddp_version,
        "SMDDP_REGION": res.region,
        "SMDDP_IMAGE_URI": res.image_uri,
        "SMDDP_SMP_IMAGE_URI": res.smp_image_uri,
        "SMDDP_BINARY_URL": res.binary_url,
        "SMDDP_PYTHON_VERSION": res.python_version,
        "SMDDP_PY_VERSION": res.py_version,
        "SMDDP_CUDA_VERSION": res.cuda_version,
        "SMDDP_OS": res.os,
        "SMDDP_INSTANCE_TYPES": ",".join(res.instance_types),
        "SMDDP_BASE_FRAMEWORK": res.base_framework,
        "SMDDP_BASE_FRAMEWORK_VERSION": res.base_framework_version,
        "SMDDP_CONFIDENCE": res.confidence,
    }
    return [f"{key}={shell_quote(value) if value else ''}" for key, value in pairs.items()]


class EnvRenderer(Renderer):
    __slots__ = ()

    def render(self, value: object) -> str:
        if isinstance(value, Resolution):
            return "\n".join(env_lines(value))
        raise UsageError(
            "--format env needs a single result", hint="use --format json for a list of results"
        )
