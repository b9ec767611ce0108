"""Hugging Face images are published in their own 31 regions, not in PyTorch's."""

from __future__ import annotations

import pytest
import yaml

import compat
from compat.errors import RegionNotAvailableError

from ..conftest import FACTS

#: The regions the SageMaker SDK's huggingface.json lists for every smddp-era
#: Hugging Face PyTorch training image (the reference facts file, which the
#: test below compares with this list).
HF_REGIONS = frozenset(
    [
        "af-south-1",
        "ap-east-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ca-central-1",
        "ca-west-1",
        "cn-north-1",
        "cn-northwest-1",
        "eu-central-1",
        "eu-north-1",
        "eu-south-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-gov-east-1",
        "us-gov-west-1",
        "us-iso-east-1",
        "us-isob-east-1",
        "us-west-1",
        "us-west-2",
    ]
)


def test_the_list_is_the_facts_files() -> None:
    assert len(HF_REGIONS) == 31
    assert {r.name for r in compat.list_regions()} >= HF_REGIONS
    if FACTS.exists():  # beside the original checkout only; the list must not drift from it
        facts = yaml.safe_load(FACTS.read_text(encoding="utf-8"))
        assert set(facts["huggingface_pytorch_regions"]) == HF_REGIONS


def test_every_row_resolves_in_exactly_its_31_regions() -> None:
    rows = [r.framework_version for r in compat.resolve_all("huggingface")]
    assert len(rows) == 6
    for row in rows:
        published = set()
        refusals: list[RegionNotAvailableError] = []
        for region in compat.list_regions():
            try:
                res = compat.resolve("huggingface", row, region.name)
            except RegionNotAvailableError as exc:
                refusals.append(exc)
                continue
            assert res.image_uri is not None
            assert "/huggingface-pytorch-training:" in res.image_uri
            published.add(region.name)
        assert refusals
        for exc in refusals:
            assert set(exc.choices) == HF_REGIONS
        assert published == HF_REGIONS, row


def test_a_region_pytorch_has_but_huggingface_lacks_is_exit_3() -> None:
    assert compat.resolve("pytorch", "2.1.0", "ap-southeast-5").image_uri is not None
    with pytest.raises(RegionNotAvailableError) as info:
        compat.resolve("hf", "4.36.0", "ap-southeast-5")
    assert info.value.exit_code == 3
    assert "us-isob-east-1" in info.value.hint
    listed = [r.framework_version for r in compat.resolve_all("hf", "ap-southeast-5")]
    assert listed == []
    assert compat.resolve("hf", "4.36.0", "us-isob-east-1").image_uri == (
        "094389454867.dkr.ecr.us-isob-east-1.sc2s.sgov.gov/huggingface-pytorch-training:"
        "2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04"
    )
