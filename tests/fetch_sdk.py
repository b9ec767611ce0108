"""Fetch the SageMaker SDK's real image configs for the tests: nothing installed or imported.

    python tests/fetch_sdk.py DIR

downloads the newest ``sagemaker-core`` wheel and the newest ``sagemaker`` 2.x
wheel with ``pip download --no-deps`` and extracts from each only its
``image_uri_config/*.json`` and ``fw_utils.py``, keeping the wheel's layout:

    DIR/sagemaker_core-2.27.0/sagemaker/core/image_uri_config/pytorch.json
    DIR/sagemaker-2.257.7/sagemaker/image_uri_config/pytorch.json

Point the tests at DIR with ``SMDDP_TEST_SDK_DIR=DIR`` (``.ci/run`` does).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import zipfile

#: (requirement, what it is)
WHEELS = (("sagemaker-core", "SDK v3's configs"), ("sagemaker<3", "the newest SDK v2"))
_WANTED = re.compile(r"^sagemaker/(core/)?(image_uri_config/[^/]+\.json|fw_utils\.py)$")


def fetch(target: str) -> list[str]:
    """Download and extract both wheels into ``target``; the extracted folders."""
    os.makedirs(target, exist_ok=True)
    out: list[str] = []
    with tempfile.TemporaryDirectory() as download:
        for requirement, _ in WHEELS:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--only-binary=:all:", "--dest", download, requirement],
                check=True,
            )  # fmt: skip
        for name in sorted(os.listdir(download)):
            if not name.endswith(".whl"):
                continue
            folder = os.path.join(target, "-".join(name.split("-")[:2]))
            with zipfile.ZipFile(os.path.join(download, name)) as wheel:
                for member in wheel.namelist():
                    if _WANTED.match(member):
                        wheel.extract(member, folder)
            out.append(folder)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for folder in fetch(sys.argv[1]):
        print(folder)
