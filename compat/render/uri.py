"""``--format uri``: only the DLC image URI, for ``$(smddp-compat resolve ...)`` in scripts."""

from __future__ import annotations

from compat.errors import NoImageError, UsageError
from compat.render import Renderer
from compat.results import Resolution


def image_uri_of(res: Resolution) -> str:
    """The image URI, or an error that says why there is none and what to use instead."""
    if res.image_uri is not None:
        return res.image_uri
    if res.region is None:
        raise UsageError("--format uri needs --region", hint="pass --region, e.g. us-west-2")
    fallback = [
        f"the SMP image {res.smp_image_uri}" if res.smp_image_uri else None,
        f"the wheel {res.binary_url}" if res.binary_url else None,
        *(
            f"--version {a.version} (smddp {a.smddp_version}), the nearest release with a DLC image"
            for a in res.alternatives
            if a.image_uri is not None
        ),
    ]
    instead = " or ".join(f for f in fallback if f)
    raise NoImageError(
        f"no DLC image carries {res.framework} {res.framework_version} with smddp "
        f"{res.smddp_version}",
        hint=f"use {instead}" if instead else "see the notes in --format text",
        alternatives=res.alternatives,
    )


class UriRenderer(Renderer):
    __slots__ = ()

    def render(self, value: object) -> str:
        if isinstance(value, Resolution):
            return image_uri_of(value)
        if isinstance(value, list) and all(isinstance(v, Resolution) for v in value):
            if any(v.region is None for v in value):
                raise UsageError(
                    "--format uri needs --region", hint="pass --region, e.g. us-west-2"
                )
            return "\n".join(v.image_uri for v in value if v.image_uri is not None)
        raise UsageError("--format uri applies to resolve results only")
