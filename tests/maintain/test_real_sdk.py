"""import-sdk and verify --against-sdk against the SageMaker SDK's real files, both generations.

The files come from the newest ``sagemaker-core`` wheel (SDK v3's configs, under
``sagemaker/core/``) and the newest ``sagemaker`` 2.x wheel, fetched by
``tests/fetch_sdk.py`` (``.ci/run`` does it and sets ``SMDDP_TEST_SDK_DIR``).
Nothing is installed or imported. In CI a missing directory fails; elsewhere the
tests fetch it once, or fail with the command to run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from compat.maintain.sdkdata import find_installed_sdk, read_sdk

from ..conftest import REPO, Invoke

SHIPPED = REPO / "data" / "matrix.yaml"


GENERATIONS = ["sagemaker-core", "sagemaker"]


@pytest.mark.parametrize("generation", GENERATIONS)
def test_import_sdk_dry_run_reads_the_real_files_and_finds_nothing_unexplained(
    run_cli: Invoke, real_sdks: dict[str, Path], generation: str
) -> None:
    config = str(real_sdks[generation])
    dry = run_cli(
        "import-sdk", "--from", config, "--matrix", str(SHIPPED), "--dry-run", "--exit-code"
    )  # fmt: skip
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout == ""  # --merge would change nothing
    result = run_cli("import-sdk", "--from", config, "--matrix", str(SHIPPED), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["package"].startswith(f"{generation} ")
    assert data["differences"] == []
    assert data["unexplained"] == []
    assert data["warnings"] == []
    assert data["compared"] >= 40
    # Every version the SDK names for smdistributed is a row or recorded as known-absent.
    assert any(a.startswith("pytorch 2.1.2: ") for a in data["known_absent"])
    assert not any(n.startswith("SMP image") for n in data["not_in_matrix"])


@pytest.mark.parametrize("generation", GENERATIONS)
def test_verify_against_the_real_sdk_agrees(
    run_cli: Invoke, real_sdks: dict[str, Path], generation: str
) -> None:
    result = run_cli(
        "verify", "--against-sdk", str(real_sdks[generation]), "--matrix", str(SHIPPED),
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert (data["differ"], data["differences"], data["unexplained"]) == (False, [], [])


@pytest.mark.parametrize("generation", GENERATIONS)
def test_the_matrix_records_the_sdks_lists_exactly(
    real_sdks: dict[str, Path], generation: str
) -> None:
    import compat

    sdk = read_sdk(str(real_sdks[generation]))
    assert sdk.lists is not None
    recorded = compat.load_matrix().compiled["sdk"]
    assert recorded is not None
    assert recorded["smdistributed"] == {k: list(v) for k, v in sdk.lists.smdistributed.items()}
    assert recorded["torch_distributed"] == list(sdk.lists.torch_distributed)
    for fw, versions in recorded["training_versions"].items():
        assert set(versions) <= set(sdk.training_versions[fw]), fw


def test_a_missing_row_is_unexplained_and_exit_code_1(
    run_cli: Invoke, real_sdks: dict[str, Path], tmp_path: Path
) -> None:
    matrix = tmp_path / "matrix.yaml"
    text = SHIPPED.read_text(encoding="utf-8")
    start = text.index('  - version: "2.9.2"\n')
    end = text.index('  - version: "2.9.1"\n')
    matrix.write_text(text[:start] + text[end:], encoding="utf-8")
    result = run_cli(
        "import-sdk", "--from", str(real_sdks["sagemaker-core"]), "--matrix", str(matrix),
        "--dry-run", "--exit-code",
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert "unexplained: tensorflow 2.9.2" in result.stderr


@pytest.mark.parametrize("generation", GENERATIONS)
def test_an_installed_sdk_of_either_generation_is_found_without_importing_it(
    real_sdks: dict[str, Path], generation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = real_sdks[generation]
    site = config.parent.parent if generation == "sagemaker" else config.parent.parent.parent
    monkeypatch.setattr(sys, "path", [str(site)])
    assert Path(find_installed_sdk()) == config
    assert "sagemaker" not in sys.modules


def test_one_real_file_is_compared_for_its_framework_only(
    run_cli: Invoke, real_sdks: dict[str, Path]
) -> None:
    one = real_sdks["sagemaker"] / "pytorch.json"
    result = run_cli("import-sdk", "--from", str(one), "--matrix", str(SHIPPED), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["files"] == ["pytorch.json"]
    # TensorFlow's "2.3" cannot be resolved without tensorflow.json: it is not reported.
    assert (data["differences"], data["unexplained"]) == ([], [])
    assert [a.split(":")[0] for a in data["known_absent"]] == ["pytorch 2.1.2"]
