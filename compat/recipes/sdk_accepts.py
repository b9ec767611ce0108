"""Whether the SageMaker Python SDK v2 accepts a release for smdistributed, from the matrix.

The SDK refuses ``distribution={"smdistributed": {"dataparallel": ...}}`` unless
its framework check lists the framework_version exactly (fw_utils.py), and it
builds the image URI from its image configs, which must know the version. Both
lists are recorded in the matrix's ``sdk`` section (read from the SDK's files,
and checked against them by ``import-sdk``). With ``image_uri`` the SDK skips the
version check. ``--format sagemaker`` uses this to never hand the SDK a version
it rejects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from compat.results import Resolution

if TYPE_CHECKING:
    from compat.matrix import Matrix


@dataclass(frozen=True, slots=True)
class SdkVerdict:
    """What the SDK v2 makes of a release's framework_version with smdistributed.

    ``accepted`` is None where the matrix records nothing about the SDK.
    """

    accepted: bool | None
    reason: str  # why not (or "" where accepted or unknown)
    read: str  # the SDK releases the lists come from


def sdk_verdict(res: Resolution, matrix: Matrix) -> SdkVerdict:
    """Whether SDK v2 accepts ``res`` for smdistributed without image_uri."""
    sdk = matrix.compiled.get("sdk")
    if sdk is None:
        return SdkVerdict(None, "", "")
    read = " ".join(sdk["read"].split())
    if res.framework == "huggingface":
        checks = (
            ("pytorch", res.base_framework_version or "", "pytorch_version", "smdistributed"),
            ("huggingface", res.framework_version, "transformers_version", "image"),
        )
    else:
        base = "tensorflow" if res.framework == "tensorflow" else "pytorch"
        version = res.base_framework_version or res.framework_version
        checks = (
            (base, version, "framework_version", "smdistributed"),
            (base, version, "framework_version", "image"),
        )
    for framework, version, argument, which in checks:
        if which == "smdistributed":
            listed = sdk["smdistributed"].get(framework, [])
            if version not in listed:
                return SdkVerdict(
                    False,
                    f"the SDK's smdistributed check (fw_utils.py) does not list {framework} "
                    f"{argument} {version}",
                    read,
                )
        elif version not in sdk["training_versions"].get(framework, []):
            return SdkVerdict(
                False,
                f"the SDK's image config ({framework}.json) has no training image for "
                f"{argument} {version}",
                read,
            )
    return SdkVerdict(True, "", read)
