"""import-sdk and verify --against-sdk: the matrix checked against the SageMaker SDK's data.

The fixtures in tests/maintain/sdk/ are small files of the SDK's shape, written
from the reference facts (not copied from the SDK): a few PyTorch,
TensorFlow, Hugging Face and SMP images with their regions and accounts.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

import compat
from compat.errors import RegionNotAvailableError
from compat.maintain.partitions import partition_of
from compat.maintain.sdkdata import read_sdk

from ..conftest import REPO, Invoke

FIXTURES = Path(__file__).resolve().parent / "sdk"
SHIPPED = REPO / "data" / "matrix.yaml"


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    sdk = tmp_path / "sdk"
    shutil.copytree(FIXTURES, sdk)
    matrix = tmp_path / "matrix.yaml"
    shutil.copyfile(SHIPPED, matrix)
    return sdk, matrix


def _edit_json(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def test_the_fixtures_agree_with_the_shipped_matrix(run_cli: Invoke) -> None:
    result = run_cli(
        "import-sdk", "--from", str(FIXTURES), "--matrix", str(SHIPPED), "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["differences"] == []
    assert data["differ"] is False
    # 5 PyTorch (with 1.8.0), 2 TensorFlow (with 2.9.2), 3 Hugging Face rows and 5 SMP
    # images have an SDK entry.
    assert data["compared"] == 15
    assert data["not_in_matrix"] == []
    assert "pytorch 2.4.1 (no DLC image)" in data["not_in_sdk"]


def test_dry_run_against_the_fixtures_lists_nothing_and_exits_0(run_cli: Invoke) -> None:
    result = run_cli(
        "import-sdk", "--from", str(FIXTURES), "--matrix", str(SHIPPED), "--dry-run", "--exit-code"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "no differences: the matrix agrees with the SDK on every row compared" in result.stderr
    assert "merge: nothing to add" in result.stderr


def test_verify_against_sdk_is_the_same_comparison_read_only(run_cli: Invoke) -> None:
    ok = run_cli("verify", "--against-sdk", str(FIXTURES), "--matrix", str(SHIPPED))
    assert ok.exit_code == 0, ok.stderr
    assert "no differences" in ok.stdout


def test_an_extra_region_and_a_changed_account_are_reported_and_merged(
    run_cli: Invoke, tmp_path: Path
) -> None:
    sdk, matrix = _copy(tmp_path)

    def change(data: dict[str, Any]) -> None:
        versions = data["training"]["versions"]
        for version in ("2.4.0", "2.5.1"):
            versions[version]["registries"]["me-west-1"] = "123456789012"
        versions["2.2.0"]["registries"]["us-west-2"] = "111111111111"

    _edit_json(sdk / "pytorch.json", change)
    before = matrix.read_bytes()
    dry = run_cli(
        "import-sdk", "--from", str(sdk), "--matrix", str(matrix), "--dry-run", "--exit-code"
    )
    assert dry.exit_code == 1
    assert matrix.read_bytes() == before
    assert '  registries.me-west-1: (absent) -> "123456789012"' in dry.stderr
    assert '  registries.us-west-2: "763104351884" -> "111111111111"' in dry.stderr
    added = [line for line in dry.stdout.splitlines() if line.startswith("+ ")]
    # The new region, kept out of the region sets whose rows the SDK does not show in it.
    assert added == [
        '+  me-west-1:       {partition: aws,        dlc_account: "123456789012", sources: [SDK]}',
        "+    all_except: [me-west-1]",
        "+    all_except: [us-isof-east-1, us-isof-south-1, me-west-1]",
    ]

    merged = run_cli(
        "import-sdk", "--from", str(sdk), "--matrix", str(matrix), "--merge", "--exit-code",
        "--format", "json",
    )  # fmt: skip
    assert merged.exit_code == 1  # the account conflict remains
    report = json.loads(merged.stdout)
    assert report["written"] is True
    assert report["conflicts"] == [
        {
            "entry": "pytorch 2.2.0",
            "field": "registries.us-west-2",
            "matrix": "763104351884",
            "sdk": "111111111111",
            "reason": "the accounts differ; the matrix keeps its own",
        }
    ]
    m = compat.load_matrix(matrix)
    res = compat.resolve("pytorch", "2.4.0", "me-west-1", matrix=m)
    assert res.image_uri is not None
    assert res.image_uri.startswith(
        "123456789012.dkr.ecr.me-west-1.amazonaws.com/pytorch-training:"
    )
    assert compat.resolve("pytorch", "2.2.0", "us-west-2", matrix=m).image_uri.startswith(
        "763104351884."
    )
    # Rows whose SDK entries do not list the new region stay out of it.
    with pytest.raises(RegionNotAvailableError):
        compat.resolve("pytorch", "2.2.0", "me-west-1", matrix=m)
    with pytest.raises(RegionNotAvailableError):
        compat.resolve("hf", "4.49.0", "me-west-1", matrix=m)
    assert run_cli("validate", str(matrix)).exit_code == 0
    again = run_cli("import-sdk", "--from", str(sdk), "--matrix", str(matrix), "--format", "json")
    fields = [f["field"] for d in json.loads(again.stdout)["differences"] for f in d["fields"]]
    assert fields == ["registries.us-west-2"]


@pytest.mark.parametrize(
    ("file", "row", "region", "reason"),
    [
        # PyTorch 2.5.1 shares region set all-but-iso with 2.4.0, whose entry lacks the region.
        (
            "pytorch.json",
            ("2.5.1",),
            ("us-iso-east-1", "886529160074"),
            "but not for pytorch 2.4.0, which share region set all-but-iso",
        ),
        # The fixture has no entry for Hugging Face 4.48.0, 4.46.1 or 4.28.1.
        (
            "huggingface.json",
            ("4.49.0", "pytorch2.5.1"),
            ("ap-southeast-5", "550225433462"),
            "also serves huggingface 4.48.0",
        ),
    ],
)
def test_a_region_not_shown_for_every_row_of_its_set_is_a_conflict_not_a_merge(
    run_cli: Invoke,
    tmp_path: Path,
    file: str,
    row: tuple[str, ...],
    region: tuple[str, str],
    reason: str,
) -> None:
    sdk, matrix = _copy(tmp_path)

    def change(data: dict[str, Any]) -> None:
        entry = data["training"]["versions"]
        for key in row:
            entry = entry[key]
        entry["registries"][region[0]] = region[1]

    _edit_json(sdk / file, change)
    before = matrix.read_bytes()
    result = run_cli(
        "import-sdk", "--from", str(sdk), "--matrix", str(matrix), "--merge", "--format", "json"
    )
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["written"] is False
    [conflict] = report["conflicts"]
    assert conflict["field"] == f"registries.{region[0]}"
    assert reason in conflict["reason"]
    assert matrix.read_bytes() == before


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        ("pytorch.json", b"{not json", "pytorch.json:1:2: not JSON"),
        (
            "pytorch.json",
            b'{"training": {"versions": []}}',
            "training.versions: expected an object",
        ),
        ("pytorch.json", b'{"inference": {}}', "training: expected an object (missing)"),
        ("tensorflow.json", b'["training"]', "the top level: expected an object"),
        ("pytorch-smp.json", b"\xff\xfe\x00garbage", "not UTF-8 text"),
        ("pytorch.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_hostile_input_is_a_clear_error_and_the_matrix_stays_byte_identical(
    run_cli: Invoke, tmp_path: Path, file: str, content: bytes, expected: str
) -> None:
    sdk, matrix = _copy(tmp_path)
    (sdk / file).write_bytes(content)
    before = matrix.read_bytes()
    result = run_cli("import-sdk", "--from", str(sdk), "--matrix", str(matrix), "--merge")
    assert result.exit_code == 2, result.stderr
    assert expected in result.stderr
    assert str(sdk / file) in result.stderr
    assert "Traceback" not in result.stderr
    assert matrix.read_bytes() == before


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        (
            "tensorflow.json",
            b'{"training": {"versions": {"2.x": {}}}}',
            "training.versions[\"2.x\"]: '2.x' is not a version",
        ),
        (
            "pytorch.json",
            b'{"training": {"versions": {"2.4.0": {"py_versions": ["py311"], "repository": "r",'
            b' "registries": {"us-west-2": 763104351884}}}}}',
            'training.versions["2.4.0"].registries["us-west-2"]: expected a 12-digit account id',
        ),
        (
            "huggingface.json",
            b'{"training": {"versions": {"4.49.0": {"jax0.4": {}}}}}',
            'training.versions["4.49.0"]["jax0.4"]: expected a key such as pytorch2.1.0',
        ),
        (
            "pytorch.json",
            b'{"training": {"versions": {"2.4.0": {"py_versions": ["py311"], "registries": {}}}}}',
            'training.versions["2.4.0"].repository: expected a repository name',
        ),
        (
            "tensorflow.json",
            b'{"training": {"version_aliases": {"2.9": 2}, "versions": {}}}',
            'training.version_aliases["2.9"]: expected a string',
        ),
    ],
)
def test_an_entry_of_an_unknown_shape_is_skipped_with_a_warning_naming_file_and_path(
    run_cli: Invoke, tmp_path: Path, file: str, content: bytes, expected: str
) -> None:
    sdk, matrix = _copy(tmp_path)
    (sdk / file).write_bytes(content)
    result = run_cli("import-sdk", "--from", str(sdk), "--matrix", str(matrix), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert any(str(sdk / file) in w and expected in w for w in data["warnings"]), data["warnings"]
    assert data["compared"] > 0  # the other files are still read


def test_the_real_sdk_shapes_are_read(tmp_path: Path) -> None:
    """Shapes of the SDK's real files: py2/py3-keyed entries without py_versions, a
    scope list instead of a training key, aliases, container_version and processors."""
    sdk = tmp_path / "sagemaker" / "image_uri_config"
    sdk.mkdir(parents=True)
    registries = {"us-west-2": "763104351884"}
    tf = {
        "training": {
            "processors": ["cpu", "gpu"],
            "version_aliases": {"1.13": "1.13.1", "2.9": "2.9.2"},
            "versions": {
                "1.13.1": {
                    "py2": {"registries": registries, "repository": "tensorflow-training"},
                    "py3": {"registries": registries, "repository": "tensorflow-training"},
                },
                "2.9.2": {
                    "py_versions": ["py39"],
                    "registries": registries,
                    "repository": "tensorflow-training",
                    "container_version": {"gpu": "cu112-ubuntu20.04"},
                },
            },
        }
    }
    pt = {
        "scope": ["training", "inference"],
        "versions": {"1.8.0": {"registries": registries, "repository": "pytorch-training"}},
    }
    (sdk / "tensorflow.json").write_text(json.dumps(tf), encoding="utf-8")
    (sdk / "pytorch.json").write_text(json.dumps(pt), encoding="utf-8")
    (sdk.parent / "fw_utils.py").write_text(
        "import os\nSM_DATAPARALLEL_SUPPORTED_FRAMEWORK_VERSIONS = {'tensorflow': ['2.9', '2.9.2'],"
        " 'pytorch': ['1.8.0']}\nTORCH_DISTRIBUTED_GPU_SUPPORTED_FRAMEWORK_VERSIONS = ['2.0.0']\n"
        "raise SystemExit('imported')\n",
        encoding="utf-8",
    )
    data = read_sdk(str(sdk))
    old = data.tensorflow[Version("1.13.1")]
    assert (old.py_versions, old.registries) == (("py2", "py3"), registries)
    assert data.tensorflow[Version("2.9.2")].container_version == "cu112-ubuntu20.04"
    assert data.pytorch[Version("1.8.0")].py_versions == ()
    assert data.aliases["tensorflow"] == {"1.13": "1.13.1", "2.9": "2.9.2"}
    assert "2.9" in data.training_versions["tensorflow"]
    assert data.lists is not None
    assert data.lists.smdistributed["tensorflow"] == ("2.9", "2.9.2")
    assert data.lists.torch_distributed == ("2.0.0",)
    assert data.warnings == []


def test_from_one_file_and_from_nowhere(run_cli: Invoke, tmp_path: Path) -> None:
    one = run_cli(
        "import-sdk", "--from", str(FIXTURES / "huggingface.json"), "--matrix", str(SHIPPED),
        "--format", "json",
    )  # fmt: skip
    data = json.loads(one.stdout)
    assert (data["files"], data["compared"]) == (["huggingface.json"], 3)
    assert "pytorch.json" in data["missing_files"]
    odd = tmp_path / "other.json"
    odd.write_text("{}", encoding="utf-8")
    assert run_cli("import-sdk", "--from", str(odd)).exit_code == 2
    assert run_cli("import-sdk", "--from", str(tmp_path / "absent")).exit_code == 3
    assert run_cli("import-sdk", "--from", str(tmp_path)).exit_code == 3
    unnamed = run_cli("import-sdk", "--from", str(FIXTURES), "--merge")
    assert unnamed.exit_code == 2
    assert "import-sdk --merge needs --matrix PATH" in unnamed.stderr


def test_an_installed_sagemaker_is_found_without_importing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site" / "sagemaker"
    shutil.copytree(FIXTURES, package / "image_uri_config")
    (package / "__init__.py").write_text("raise RuntimeError('imported')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "sagemaker", raising=False)
    data = read_sdk(None)
    assert Path(data.location) == package / "image_uri_config"
    assert len(data.files) == 4
    assert "sagemaker" not in sys.modules


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("me-west-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_partition_of_a_new_region(region: str, partition: str) -> None:
    assert partition_of(region) == partition


def test_a_known_region_the_sdk_lists_for_every_row_of_a_set_joins_it(
    run_cli: Invoke, tmp_path: Path
) -> None:
    sdk, matrix = _copy(tmp_path)

    def change(data: dict[str, Any]) -> None:
        for version in ("2.4.0", "2.5.1"):  # every row of region set all-but-iso with an image
            data["training"]["versions"][version]["registries"]["us-iso-east-1"] = "886529160074"

    _edit_json(sdk / "pytorch.json", change)
    with pytest.raises(RegionNotAvailableError):
        compat.resolve("pytorch", "2.4.0", "us-iso-east-1", matrix=compat.load_matrix(matrix))
    result = run_cli("import-sdk", "--from", str(sdk), "--matrix", str(matrix), "--merge")
    assert result.exit_code == 0, result.stderr
    changed = [line for line in result.stdout.splitlines() if line[:1] in "+-"][2:]
    assert changed == [
        "-    all_except: [us-iso-east-1, us-isob-east-1, us-isof-east-1, us-isof-south-1]",
        "+    all_except: [us-isob-east-1, us-isof-east-1, us-isof-south-1]",
    ]
    m = compat.load_matrix(matrix)
    assert compat.resolve("pytorch", "2.4.0", "us-iso-east-1", matrix=m).image_uri == (
        "886529160074.dkr.ecr.us-iso-east-1.c2s.ic.gov/pytorch-training:"
        "2.4.0-gpu-py311-cu124-ubuntu22.04-sagemaker"
    )
