# ruff: noqa: E501 - expected rows and pages are clearer unwrapped
"""Reading AWS's support page: the 2023 seed revision and the current form."""

from __future__ import annotations

import pytest
from packaging.version import Version

from compat.errors import PageError
from compat.maintain.docpage import ImageRef, NotAvailable, WheelRef, clean_cell, parse_page

from ..conftest import SEED_PAGE, Invoke, needs_shared
from .pages import CURRENT_PAGE

BASE = "https://smdataparallel.s3.amazonaws.com/binary/"


def _rows(page_text: str) -> list[tuple[str, str, str, str | None, str | None]]:
    page = parse_page(page_text, "page.md")
    out = []
    for r in page.releases:
        image = f"{r.image.repository}:{r.image.tag}" if isinstance(r.image, ImageRef) else None
        wheel = r.wheel.path if isinstance(r.wheel, WheelRef) else None
        out.append((r.framework, str(r.version), str(r.smddp), image, wheel))
    return out


def test_the_seed_page_imports_to_exactly_its_rows() -> None:
    needs_shared(SEED_PAGE)
    page = parse_page(SEED_PAGE.read_text(encoding="utf-8"), "seed.txt")
    pt = [
        ("1.13.1", "1.7.0", "1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker",
         "pytorch/1.13.1/cu117/2023-01-09/smdistributed_dataparallel-1.7.0-cp39-cp39-linux_x86_64.whl"),
        ("1.12.1", "1.6.0", "1.12.1-gpu-py38-cu113-ubuntu20.04-sagemaker",
         "pytorch/1.12.1/cu113/2022-12-05/smdistributed_dataparallel-1.6.0-cp38-cp38-linux_x86_64.whl"),
        ("1.12.0", "1.5.0", "1.12.0-gpu-py38-cu113-ubuntu20.04-sagemaker",
         "pytorch/1.12.0/cu113/2022-07-01/smdistributed_dataparallel-1.5.0-cp38-cp38-linux_x86_64.whl"),
        ("1.11.0", "1.4.1", "1.11.0-gpu-py38-cu113-ubuntu20.04-sagemaker",
         "pytorch/1.11.0/cu113/2022-04-14/smdistributed_dataparallel-1.4.1-cp38-cp38-linux_x86_64.whl"),
        ("1.10.2", "1.4.0", "1.10.2-gpu-py38-cu113-ubuntu20.04-sagemaker",
         "pytorch/1.10.2/cu113/2022-02-18/smdistributed_dataparallel-1.4.0-cp38-cp38-linux_x86_64.whl"),
        ("1.9.1", "1.2.0", "1.9.1-gpu-py38-cu111-ubuntu20.04",
         "pytorch/1.9.0/cu111/2021-08-13/smdistributed_dataparallel-1.2.0-cp38-cp38-linux_x86_64.whl"),
        ("1.8.1", "1.2.3", "1.8.1-gpu-py36-cu111-ubuntu18.04",
         "pytorch/1.8.1/cu111/2021-12-13/smdistributed_dataparallel-1.2.3-cp36-cp36m-linux_x86_64.whl"),
        ("1.7.1", "1.0.0", "1.7.1-gpu-py36-cu110-ubuntu18.04",
         "pytorch/1.7.1/cu110/2021-01-26/smdistributed_dataparallel-1.0.0-cp36-cp36m-linux_x86_64.whl"),
        ("1.6.0", "1.0.0", "1.6.0-gpu-py36-cu110-ubuntu18.04",
         "pytorch/1.6.0/cu110/2021-01-14/smdistributed_dataparallel-1.0.0-cp36-cp36m-linux_x86_64.whl"),
    ]  # fmt: skip
    tf = [
        ("2.9.1", "1.4.1", "tensorflow-training", "2.9.1-gpu-py39-cu112-ubuntu20.04-sagemaker"),
        ("2.8.0", "1.3.0", "tensorflow-training", "2.8.0-gpu-py39-cu112-ubuntu20.04-sagemaker"),
        ("2.7.1", "1.3.0", "tensorflow-training", "2.7.1-gpu-py38-cu112-ubuntu20.04-sagemaker"),
        ("2.6.2", "1.2.1", "tensorflow-training", "2.6.2-gpu-py38-cu112-ubuntu20.04"),
        ("2.5.1", "1.2.1", "tensorflow-inference", "2.5.1-gpu-py37-cu112-ubuntu18.04"),
        ("2.4.1", "1.2.0", "tensorflow-training", "2.4.1-gpu-py37-cu110-ubuntu18.04"),
        ("2.3.2", "1.0.0", "tensorflow-training", "2.3.2-gpu-py37-cu110-ubuntu18.04"),
    ]
    expected = [("pytorch", v, s, f"pytorch-training:{t}", w) for v, s, t, w in pt]
    expected += [("tensorflow", v, s, f"{repo}:{t}", None) for v, s, repo, t in tf]
    assert _rows(SEED_PAGE.read_text(encoding="utf-8")) == expected
    for row in page.releases:
        assert isinstance(row.image, ImageRef)
        assert (row.image.account, row.image.region, row.image.dns_suffix) == (
            "763104351884",
            None,
            "amazonaws.com",
        )
        assert row.label.startswith("v") == (row.framework == "pytorch")
        assert row.smp_image is None
        if row.framework == "pytorch":
            assert isinstance(row.wheel, WheelRef)
            assert row.wheel.base_url == BASE
        else:
            assert row.wheel is None
    assert len(page.lightning) == 1
    lightning = page.lightning[0]
    assert [str(v) for v in lightning.versions] == ["1.7.2", "1.7.0", "1.6.4", "1.6.3", "1.5.10"]
    assert (lightning.pytorch, lightning.smddp) == (Version("1.12.0"), Version("1.5.0"))
    assert [i.name for i in page.instance_types] == [
        "ml.p3.16xlarge",
        "ml.p3dn.24xlarge",
        "ml.p4d.24xlarge",
        "ml.p4de.24xlarge",
    ]
    assert page.unrecognised == ()


def test_facts_are_in_the_matrix_terms() -> None:
    needs_shared(SEED_PAGE)
    page = parse_page(SEED_PAGE.read_text(encoding="utf-8"), "seed.txt")
    assert page.releases[0].facts() == {
        "smddp": "1.7.0",
        "python": "3.9",
        "cuda": "11.7",
        "os": "ubuntu20.04",
        "repository": "pytorch-training",
        "tag": "1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker",
        "wheel": "pytorch/1.13.1/cu117/2023-01-09/"
        "smdistributed_dataparallel-1.7.0-cp39-cp39-linux_x86_64.whl",
        "wheel_base_url": BASE,
    }
    # The TensorFlow table has no wheel column: the page says nothing about wheels.
    assert "wheel" not in page.releases[-1].facts()


def test_current_form_cells() -> None:
    page = parse_page(CURRENT_PAGE, "page.md")
    assert _rows(CURRENT_PAGE) == [
        ("pytorch", "2.3.1", "2.5.0", None,
         "pytorch/2.4.1/cu121/2024-10-09/smdistributed_dataparallel-2.5.0-cp311-cp311-linux_x86_64.whl"),
        ("pytorch", "2.4.0", "2.5.0", "pytorch-training:2.4.0-gpu-py311-cu124-ubuntu22.04-sagemaker",
         "pytorch/2.4.0/cu124/2024-11-04/smdistributed_dataparallel-2.5.0-cp311-cp311-linux_x86_64.whl"),
        ("pytorch", "2.3.0", "2.3.0", "pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker",
         "pytorch/2.3.0/cu121/2024-05-23/smdistributed_dataparallel-2.3.0-cp311-cp311-linux_x86_64.whl"),
        ("pytorch", "2.2.1", "2.2.0", "pytorch-training:2.2.1-gpu-py310-cu121-ubuntu20.04-sagemaker",
         "pytorch/2.2.1/cu121/2024-03-04/smdistributed_dataparallel-2.2.0-cp310-cp310-linux_x86_64.whl"),
        ("pytorch", "2.0.1", "2.0.1", "pytorch-training:2.0.1-gpu-py310-cu118-ubuntu20.04-sagemaker",
         "pytorch/2.0.1/cu118/2023-12-07/smdistributed_dataparallel-2.0.2-cp310-cp310-linux_x86_64.whl"),
        ("tensorflow", "2.11.0", "1.4.1", None, None),
        ("tensorflow", "2.10.1", "1.4.1", None, None),
        ("tensorflow", "2.9.1", "1.4.1", None, None),
        ("tensorflow", "2.10.0", "1.4.1", None, None),
    ]  # fmt: skip
    first, second = page.releases[0], page.releases[1]
    assert first.image == NotAvailable("Not available")
    assert second.smp_image == NotAvailable("Currently not available")
    assert isinstance(first.smp_image, ImageRef)
    assert first.smp_image.account == "658645717510"
    assert first.smp_image.repository == "smdistributed-modelparallel"
    assert first.smp_image.region is None  # '<us-west-2>' is a placeholder
    assert first.facts()["tag"] is None
    assert first.facts()["smp_tag"] == "2.4.1-gpu-py311-cu121"
    assert second.facts()["smp_tag"] is None
    # Several TensorFlow versions in one cell share its line; no URIs are stated.
    tf = [r for r in page.releases if r.framework == "tensorflow"]
    assert [r.line for r in tf] == [25, 25, 25, 26]
    assert all((r.image, r.wheel, r.smp_image) == (None, None, None) for r in tf)
    assert tf[0].facts() == {"smddp": "1.4.1"}
    assert [str(v) for v in page.lightning[0].versions] == ["2.2.6", "2.2.5"]
    assert [i.name for i in page.instance_types][-1] == "ml.p5.48xlarge"
    assert [(t.heading, t.line, t.columns) for t in page.unrecognised] == [
        ("Quotas", 39, ("Quota name", "Default"))
    ]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (r"763104351884\.dkr\.ecr\.*<region>*\.amazonaws\.com", "763104351884.dkr.ecr.<region>.amazonaws.com"),
        ("`763104351884.dkr.ecr.`*<region>*`.amazonaws.com`", "763104351884.dkr.ecr.<region>.amazonaws.com"),
        (r"smdistributed\-dataparallel==v1\.7\.0", "smdistributed-dataparallel==v1.7.0"),
        ("2.11.0<br>2.10.1<br />2.9.1", "2.11.0\n2.10.1\n2.9.1"),
        (r"URL of the binary file\*\*", "URL of the binary file**"),
        ("[https://x/a.whl](https://x/a.whl)", "https://x/a.whl"),
    ],
)  # fmt: skip
def test_clean_cell(raw: str, clean: str) -> None:
    assert clean_cell(raw) == clean


HEADER = "| PyTorch version | SMDDP library version | Image URI |\n| --- | --- | --- |\n"
IMAGE = "763104351884.dkr.ecr.<region>.amazonaws.com/pytorch-training:2.3.0-gpu-py311-cu121"


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("# T\n\n" + HEADER + "| v2.3.0 | v2.3.0 |\n", "page.md:5:", "the row has 2 cells"),
        ("# T\n\n" + HEADER + f"| v2.3.0 | v2.3.0 | {IMAGE} | x |\n", "page.md:5:", "4 cells"),
        ("# T\n\n" + HEADER + "| v2.3.0 | v2.3.0 | 76310435188.dkr.ecr.<region>.amazonaws.com/x:1 |\n",
         "page.md:5:", "broken image URI"),
        ("# T\n\n" + HEADER + f"| v2.3.0 | v2.3.0 | {IMAGE} x |\n", "page.md:5:", "broken image URI"),
        ("# T\n\n" + HEADER + f"| 2.x | v2.3.0 | {IMAGE} |\n", "page.md:5:", "'2.x' is not a pytorch version"),
        ("# T\n\n" + HEADER + f"| 2.3.0 | latest | {IMAGE} |\n", "page.md:5:", "not an smddp version"),
        ("# T\n\n" + HEADER + "| 2.3.0 | v2.3.0 |  |\n", "page.md:5:", "empty image cell"),
        ("### MXNet\n\n| MXNet versions | SMDDP library versions |\n| --- | --- |\n| 1.9 | v1.0 |\n",
         "page.md:1:", "unknown framework 'mxnet'"),
        ("### MXNet\n\n| Versions | SMDDP library versions |\n| --- | --- |\n| 1.9 | v1.0 |\n",
         "page.md:1:", "unknown framework heading 'MXNet'"),
        ("# T\n\n| PyTorch version | SMDDP library version |\n| 2.3.0 | v2.3.0 |\n", "page.md:4:",
         "separator row"),
        ("### PyTorch\n\n| PyTorch version | SMDDP library version | URL of the binary file |\n"
         "| --- | --- | --- |\n| 2.3.0 | v2.3.0 | http://h/binary/pytorch/2.3.0/cu121/d/x.whl |\n",
         "page.md:5:", "broken wheel URL"),
    ],
)  # fmt: skip
def test_malformed_pages_name_the_line(text: str, where: str, what: str) -> None:
    with pytest.raises(PageError) as info:
        parse_page(text, "page.md")
    assert info.value.message.startswith(where)
    assert what in info.value.message
    assert info.value.hint


def test_import_doc_cli_prints_the_rows(run_cli: Invoke, tmp_path: pytest.TempPathFactory) -> None:
    page = tmp_path / "page.md"  # type: ignore[operator]
    page.write_text(CURRENT_PAGE, encoding="utf-8")
    result = run_cli("import-doc", str(page), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "table under 'Quotas' not recognised" in result.stderr
    import json

    data = json.loads(result.stdout)
    assert [r["version"] for r in data["releases"]][:2] == ["2.3.1", "2.4.0"]
    assert data["releases"][0]["image"] == {"not_available": "Not available"}
    assert data["unrecognised_tables"] == [
        {"heading": "Quotas", "line": 39, "columns": ["Quota name", "Default"]}
    ]


def test_import_doc_cli_malformed_page_is_a_usage_error(run_cli: Invoke, tmp_path: object) -> None:
    from pathlib import Path

    page = Path(str(tmp_path)) / "bad.md"
    page.write_text("# T\n\n" + HEADER + "| v2.3.0 | v2.3.0 |\n", encoding="utf-8")
    result = run_cli("import-doc", str(page))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        f"error: {page}:5: the row has 2 cells; the table's header (line 3) has 3" in result.stderr
    )
    missing = run_cli("import-doc", str(page) + ".nope")
    assert missing.exit_code == 2
    assert "cannot be read" in missing.stderr
