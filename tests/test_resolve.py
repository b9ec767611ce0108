"""compat.resolve: versions, aliases, regions, partitions and what does not exist."""

from __future__ import annotations

import pytest
from packaging.version import Version

import compat
from compat.errors import (
    NoSmddpError,
    RegionNotAvailableError,
    UnknownFrameworkError,
    UnknownRegionError,
    UnknownVersionError,
    UsageError,
)


@pytest.mark.parametrize("alias", ["pytorch", "PyTorch", "torch", "PT", " pt "])
def test_framework_aliases_are_case_insensitive(alias: str) -> None:
    assert compat.resolve(alias, "1.13.1", "us-west-2").framework == "pytorch"


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("tf", "tensorflow"),
        ("lightning", "pytorch-lightning"),
        ("pl", "pytorch-lightning"),
        ("hf", "huggingface"),
    ],
)
def test_other_aliases(alias: str, canonical: str) -> None:
    assert compat.resolve(alias, "latest", "us-east-1").framework == canonical


def test_exact_version_and_v_prefix_give_the_same_answer() -> None:
    plain = compat.resolve("pytorch", "1.13.1", "us-west-2")
    prefixed = compat.resolve("pytorch", "v1.13.1", "us-west-2")
    assert plain.match == prefixed.match == "exact"
    assert plain.image_uri == prefixed.image_uri
    assert prefixed.requested_version == "v1.13.1"


def test_prefix_chooses_the_newest_patch_release() -> None:
    res = compat.resolve("pytorch", "1.12", "us-west-2")
    assert (res.framework_version, res.smddp_version, res.match) == ("1.12.1", "1.6.0", "prefix")
    assert res.notes[0] == "Version 1.12.1 chosen as the newest match for '1.12'."


def test_specifier_chooses_the_newest_match() -> None:
    res = compat.resolve("pytorch", ">=1.12,<2", "us-west-2")
    assert (res.framework_version, res.match) == ("1.13.1", "specifier")
    assert compat.resolve("tf", "~=2.8.0", "us-west-2").framework_version == "2.8.3"


def test_latest_is_the_highest_version() -> None:
    res = compat.resolve("pytorch", "latest", "us-west-2")
    versions = [Version(r.framework_version) for r in compat.resolve_all("pytorch")]
    assert Version(res.framework_version) == max(versions)
    assert res.match == "latest"


def test_a_version_equal_under_pep440_is_found() -> None:
    assert compat.resolve("pytorch", "1.13.1.0", "us-west-2").framework_version == "1.13.1"


def test_versions_without_smddp_say_so_and_name_the_newest() -> None:
    with pytest.raises(NoSmddpError) as info:
        compat.resolve("pytorch", "2.6.0", "us-west-2")
    assert str(info.value.message).startswith("PyTorch 2.6.0 has no smddp: PyTorch DLCs from 2.6.0")
    assert info.value.hint == "the newest PyTorch with smddp is 2.5.1 (smddp 2.6.0)"
    with pytest.raises(NoSmddpError) as info:
        compat.resolve("tf", "2.12.0", "us-west-2")
    assert info.value.hint == "the newest TensorFlow with smddp is 2.11.0 (smddp 1.4.1)"
    with pytest.raises(NoSmddpError):
        compat.resolve("pytorch", "2.10", "us-west-2")


def test_unknown_version_lists_the_closest() -> None:
    with pytest.raises(UnknownVersionError) as info:
        compat.resolve("pytorch", "1.13.0", "us-west-2")
    assert info.value.hint is not None
    assert info.value.hint.startswith("closest releases with smddp: 1.13.1,")
    assert "1.13.1" in info.value.choices


def test_the_documented_wrong_label_is_noted_beside_the_real_2_3_1_row() -> None:
    res = compat.resolve("pytorch", "v2.3.1", "us-west-2")
    assert (res.framework_version, res.smddp_version, res.match) == ("2.3.1", "2.3.0", "exact")
    assert (
        "AWS's support page labels the PyTorch 2.4.1 row 'v2.3.1' in error; if you copied "
        "that label, you want 2.4.1." in res.notes
    )
    assert not any("labels the" in n for n in compat.resolve("pt", "2.3.0", "us-west-2").notes)


def test_pytorch_2_3_1_is_carried_by_the_smp_image_only() -> None:
    res = compat.resolve("pytorch", "2.3.1", "us-west-2")
    assert res.image_uri is None
    assert res.binary_url is None
    assert res.smp_image_uri == (
        "658645717510.dkr.ecr.us-west-2.amazonaws.com/smdistributed-modelparallel:"
        "2.3.1-gpu-py311-cu121"
    )
    assert any("use the SMP image (smdistributed-modelparallel:2.3.1" in n for n in res.notes)
    assert {s.id for s in res.sources} == {"SMPRN", "SDK"}
    with pytest.raises(RegionNotAvailableError) as info:
        compat.resolve("pytorch", "2.3.1", "af-south-1")
    assert "us-west-2" in info.value.choices


@pytest.mark.parametrize("bad", ["1.x", "latest!", "1..2", ">=>=1"])
def test_malformed_versions_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        compat.resolve("pytorch", bad, "us-west-2")


def test_unknown_framework_suggests_the_closest() -> None:
    with pytest.raises(UnknownFrameworkError) as info:
        compat.resolve("pytroch", "1.13.1", "us-west-2")
    assert info.value.hint is not None
    assert info.value.hint.startswith("did you mean 'pytorch'?")
    assert set(info.value.choices) == {"pytorch", "tensorflow", "pytorch-lightning", "huggingface"}


def test_unknown_region_suggests_the_closest_and_lists_all() -> None:
    with pytest.raises(UnknownRegionError) as info:
        compat.resolve("pytorch", "1.13.1", "us-wst-2")
    assert info.value.hint is not None
    assert info.value.hint.startswith("did you mean us-west-2? known regions: af-south-1,")
    assert len(info.value.choices) == 42


@pytest.mark.parametrize(
    ("region", "account", "suffix", "partition"),
    [
        ("cn-north-1", "727897471807", "amazonaws.com.cn", "aws-cn"),
        ("us-gov-west-1", "442386744353", "amazonaws.com", "aws-us-gov"),
        ("us-isob-east-1", "094389454867", "sc2s.sgov.gov", "aws-iso-b"),
        ("us-iso-east-1", "886529160074", "c2s.ic.gov", "aws-iso"),
        ("af-south-1", "626614931356", "amazonaws.com", "aws"),
    ],
)
def test_partitions_give_account_and_dns_suffix(
    region: str, account: str, suffix: str, partition: str
) -> None:
    res = compat.resolve("pytorch", "1.13.1", region)
    assert res.partition == partition
    assert res.image_uri == (
        f"{account}.dkr.ecr.{region}.{suffix}/pytorch-training:"
        "1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker"
    )


def test_a_region_where_the_release_is_not_published_says_so() -> None:
    with pytest.raises(RegionNotAvailableError) as info:
        compat.resolve("pytorch", "1.13.1", "us-isof-east-1")
    assert info.value.message == (
        "PyTorch 1.13.1 (smddp 1.7.0) images are not published in us-isof-east-1"
    )
    assert "us-isof-east-1" not in info.value.choices
    assert "us-west-2" in info.value.choices
    # ... while 2.1.0 - 2.3.0 are published in every region, ISO-F included.
    assert compat.resolve("pytorch", "2.2.0", "us-isof-east-1").image_uri is not None
    with pytest.raises(RegionNotAvailableError):
        compat.resolve("pytorch", "2.5.1", "us-iso-east-1")


def test_missing_values_are_none_with_a_note_saying_what_instead() -> None:
    res = compat.resolve("pytorch", "2.4.1", "us-west-2")
    assert res.image_uri is None
    assert res.smp_image_uri == (
        "658645717510.dkr.ecr.us-west-2.amazonaws.com/smdistributed-modelparallel:"
        "2.4.1-gpu-py311-cu121"
    )
    assert res.binary_url is not None
    assert any("SMP image" in note for note in res.notes)
    tf = compat.resolve("tensorflow", "2.9.1", "us-west-2")
    assert tf.binary_url is None
    assert any("No smddp wheel is documented" in note for note in tf.notes)


def test_smp_image_only_in_smp_regions() -> None:
    assert compat.resolve("pytorch", "2.2.0", "us-east-1").smp_image_uri is not None
    res = compat.resolve("pytorch", "2.2.0", "af-south-1")
    assert res.smp_image_uri is None
    assert any("not published in af-south-1" in note for note in res.notes)


def test_instance_types_follow_the_smddp_version() -> None:
    old = compat.resolve("pytorch", "1.12.0", "us-west-2")  # smddp 1.5.0
    assert old.instance_types == ("ml.p3.16xlarge", "ml.p3dn.24xlarge", "ml.p4d.24xlarge")
    new = compat.resolve("pytorch", "2.2.0", "us-west-2")  # smddp 2.2.0
    assert new.instance_types == ("ml.p3dn.24xlarge", "ml.p4d.24xlarge", "ml.p4de.24xlarge")
    assert "ml.p5.48xlarge" not in new.instance_types


def test_huggingface_carries_its_base_framework() -> None:
    res = compat.resolve("hf", "4.26.0", "us-east-1")
    assert (res.base_framework, res.base_framework_version) == ("pytorch", "1.13.1")
    assert res.smddp_version == "1.7.0"
    assert res.confidence == "inferred"
    assert res.image_uri == (
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:"
        "1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04"
    )
    with pytest.raises(NoSmddpError):
        compat.resolve("hf", "4.51.3", "us-east-1")


def test_lightning_runs_on_the_pytorch_image_and_needs_requirements() -> None:
    res = compat.resolve("lightning", "1.7.2", "us-east-1")
    base = compat.resolve("pytorch", "1.12.0", "us-east-1")
    assert res.image_uri == base.image_uri
    assert res.binary_url == base.binary_url
    assert "pytorch-lightning" in res.requirements


def test_without_a_region_uris_are_unfilled_but_the_tag_is_known() -> None:
    res = compat.resolve("pytorch", "1.13.1")
    assert res.region is None
    assert res.image_uri is None
    assert res.image_tag == "1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker"


def test_reverse_lookup_by_smddp_version() -> None:
    found = compat.find_by_smddp("1.7.0", "us-east-1")
    assert [(r.framework, r.framework_version) for r in found] == [
        ("pytorch", "1.13.1"),
        ("huggingface", "4.26.0"),
    ]
    assert {r.match for r in found} == {"smddp"}
    assert [r.framework_version for r in compat.find_by_smddp("v1.5.0", framework="pl")] == [
        "1.7.2",
        "1.7.0",
        "1.6.4",
        "1.6.3",
        "1.5.10",
    ]
    with pytest.raises(UnknownVersionError) as info:
        compat.find_by_smddp("9.9.9")
    assert "2.6.0" in info.value.choices


def test_overlong_arguments_are_refused() -> None:
    with pytest.raises(UsageError, match="at most 100"):
        compat.resolve("pytorch", "1" * 500, "us-west-2")


def test_results_are_frozen() -> None:
    res = compat.resolve("pytorch", "1.13.1", "us-west-2")
    with pytest.raises(AttributeError):
        res.image_uri = "x"  # type: ignore[misc]


def test_image_ref_names_the_image_with_or_without_a_region() -> None:
    with_region = compat.resolve("pytorch", "1.13.1", "us-west-2")
    assert with_region.image_ref == with_region.image_uri
    without = compat.resolve("pytorch", "1.13.1")
    assert without.image_ref == "pytorch-training:1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker"
    assert compat.resolve("pytorch", "2.4.1", "us-west-2").image_ref is None


def test_pytorch_2_5_1_has_the_smp_image_the_smp_release_notes_document() -> None:
    res = compat.resolve("pytorch", "2.5.1", "eu-west-1")
    assert res.smp_image_uri == (
        "658645717510.dkr.ecr.eu-west-1.amazonaws.com/smdistributed-modelparallel:"
        "2.5.1-gpu-py311-cu124"
    )
    assert res.smddp_version == "2.6.0"
    assert "SMPRN" in {s.id for s in res.sources}
    assert any("SMP release notes v2.8.0" in n for n in res.notes)


def test_tensorflow_2_10_1_and_2_11_0_are_shipped_and_2_11_0_has_the_dockerfile_wheel() -> None:
    newest = compat.resolve("tensorflow", "2.11.0", "us-west-2")
    assert newest.confidence == "shipped"
    assert newest.binary_url == (
        "https://smdataparallel.s3.amazonaws.com/binary/tensorflow/2.11.0/cu112/"
        "smdistributed_dataparallel-1.4.1-cp39-cp39-linux_x86_64.whl"
    )
    assert {s.id for s in newest.sources} == {"AWSSUP", "DLC"}
    older = compat.resolve("tensorflow", "2.10.1", "us-west-2")
    assert (older.confidence, older.binary_url) == ("shipped", None)


@pytest.mark.parametrize(
    ("framework", "version", "region"),
    [
        ("pytorch", "1.13.1", "cn-north-1"),
        ("pytorch", "2.2.0", "us-gov-west-1"),
        ("hf", "4.36.0", "us-iso-east-1"),
        ("tensorflow", "2.11.0", "us-isob-east-1"),
    ],
)
def test_a_wheel_outside_the_global_partition_says_to_copy_it(
    framework: str, version: str, region: str
) -> None:
    res = compat.resolve(framework, version, region)
    assert res.binary_url is not None
    [note] = [n for n in res.notes if "partition" in n]
    assert note == (
        f"The smddp wheel is in an S3 bucket of the aws partition; from {region} "
        f"({res.partition}) its URL may not be reachable. Copy the wheel into an S3 bucket "
        f"in {res.partition} and install it from there."
    )


def test_no_partition_note_in_the_global_partition_or_without_a_wheel() -> None:
    assert not any("partition" in n for n in compat.resolve("pt", "1.13.1", "us-west-2").notes)
    assert not any("partition" in n for n in compat.resolve("tf", "2.9.1", "cn-north-1").notes)
