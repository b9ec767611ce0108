"""Every row of AWS's 2023 support page resolves to exactly its image URI and wheel URL.

The page is the seed document in ../shared; where it is wrong (TensorFlow
2.5.1's repository), the answer is the corrected value and says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

import compat
from compat.matrix import load_matrix

from .conftest import SEED_PAGE, needs_shared

REGIONS = ["us-west-2", "eu-central-1", "ap-northeast-1", "sa-east-1"]


@dataclass(frozen=True)
class SeedRow:
    framework: str
    version: str
    smddp: str
    image_template: str
    wheel: str | None


def _cells(line: str) -> list[str]:
    text = line.replace("\\", "").replace("*", "")
    return [cell.strip() for cell in text.strip().strip("|").split("|")]


def seed_rows() -> list[SeedRow]:
    """The seed page's table rows, read independently of the project's own parser."""
    if not SEED_PAGE.exists():
        return []
    rows: list[SeedRow] = []
    section = None
    for line in SEED_PAGE.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### (PyTorch Lightning|PyTorch|TensorFlow)<", line)
        if line.startswith("#"):
            section = heading.group(1) if heading else None
            continue
        if section is None or not line.startswith("|") or "---" in line or "versions" in line:
            continue
        cells = _cells(line)
        smddp_cell = next(c for c in cells if c.startswith("smdistributed-dataparallel=="))
        smddp = smddp_cell.split("==v", 1)[1]
        image = next(c for c in cells if ".dkr.ecr." in c)
        wheel = next((c for c in cells if c.startswith("https://")), None)
        if section == "PyTorch Lightning":
            for version in cells[0].split():
                rows.append(SeedRow("pytorch-lightning", version, smddp, image, wheel))
        else:
            framework = "pytorch" if section == "PyTorch" else "tensorflow"
            rows.append(SeedRow(framework, cells[0].lstrip("v"), smddp, image, wheel))
    return rows


ROWS = seed_rows()


def test_the_seed_page_has_the_rows_we_expect() -> None:
    needs_shared(SEED_PAGE)
    counts = {
        fw: sum(r.framework == fw for r in ROWS)
        for fw in ("pytorch", "pytorch-lightning", "tensorflow")
    }
    assert counts == {"pytorch": 9, "pytorch-lightning": 5, "tensorflow": 7}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.framework}-{r.version}")
@pytest.mark.parametrize("region", REGIONS)
def test_seed_row_resolves_to_its_uri_and_wheel(row: SeedRow, region: str) -> None:
    res = compat.resolve(row.framework, row.version, region)
    expected_uri = row.image_template.replace("<region>", region)
    assert res.smddp_version == row.smddp
    assert res.binary_url == row.wheel
    if row.framework == "tensorflow" and row.version == "2.5.1":
        # Erratum: AWS's page names the inference repository for a training image.
        assert "tensorflow-inference" in expected_uri
        assert res.image_uri == expected_uri.replace("tensorflow-inference", "tensorflow-training")
        assert [c.field for c in res.corrections] == ["repository"]
        assert res.corrections[0].documented == "tensorflow-inference"
        assert any("tensorflow-inference" in note for note in res.notes)
    else:
        assert res.image_uri == expected_uri
        assert res.corrections == ()


def test_seed_rows_also_resolve_with_aws_v_prefix() -> None:
    needs_shared(SEED_PAGE)
    for row in ROWS:
        assert compat.resolve(row.framework, f"v{row.version}", "us-east-1").framework_version == (
            row.version
        )


def test_errata_resolve_to_the_corrected_value_with_a_note() -> None:
    # PyTorch 2.0.1: AWS documents a wheel file of smddp 2.0.2 for smddp 2.0.1.
    res = compat.resolve("pytorch", "2.0.1", "us-west-2")
    assert res.smddp_version == "2.0.1"
    assert res.binary_url is not None
    assert res.binary_url.endswith("/smdistributed_dataparallel-2.0.1-cp310-cp310-linux_x86_64.whl")
    (wheel,) = [c for c in res.corrections if c.field == "wheel"]
    assert wheel.documented.endswith(
        "smdistributed_dataparallel-2.0.2-cp310-cp310-linux_x86_64.whl"
    )
    assert wheel.documented.startswith("https://")
    assert wheel.corrected == res.binary_url
    # PyTorch 2.4.1, labelled "v2.3.1" on AWS's page.
    res = compat.resolve("pytorch", "2.4.1", "us-west-2")
    (label,) = [c for c in res.corrections if c.field == "version"]
    assert (label.documented, label.corrected) == ("v2.3.1", "2.4.1")


def test_every_matrix_row_has_sources_that_exist() -> None:
    matrix = load_matrix()
    sources = matrix.compiled["sources"]
    for framework, rows in matrix.compiled["releases"].items():
        for row in rows:
            assert row["sources"], (framework, row["version"])
            assert set(row["sources"]) <= set(sources)
