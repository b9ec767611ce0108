"""Issue 11: every library answer means what was asked, or is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

import compat
from compat.errors import UnknownVersionError, UsageError


# -- a framework version and an smddp version together ---------------------------------
def test_conflicting_version_and_smddp_version_is_a_usage_error_naming_both() -> None:
    with pytest.raises(UsageError) as info:
        compat.resolve("pytorch", "1.13.1", "us-west-2", smddp_version="2.6.0")
    message = info.value.message
    assert "1.13.1" in message
    assert "2.6.0" in message
    assert "smddp 1.7.0" in message  # what 1.13.1 really ships
    assert "PyTorch 2.5.1" in message  # where 2.6.0 really ships
    assert info.value.hint


def test_agreeing_version_and_smddp_version_is_the_one_release_with_both() -> None:
    res = compat.resolve("pytorch", "1.13.1", "us-west-2", smddp_version="1.7.0")
    assert (res.framework_version, res.smddp_version, res.match) == ("1.13.1", "1.7.0", "exact")
    assert res.requested_version == "1.13.1"
    assert res.requested_smddp_version == "1.7.0"


def test_a_prefix_with_an_smddp_version_picks_the_newest_release_that_ships_it() -> None:
    # The newest 2.x is 2.5.1 (smddp 2.6.0); the newest 2.x that ships smddp 2.5.0 is 2.4.1.
    res = compat.resolve("pytorch", "2", None, smddp_version="2.5.0")
    assert (res.framework_version, res.smddp_version) == ("2.4.1", "2.5.0")
    assert res.match == "prefix"
    assert any("ships smddp 2.5.0" in note for note in res.notes)


def test_a_specifier_with_an_smddp_version_filters_both_ways() -> None:
    res = compat.resolve("pytorch", ">=1.10,<2", None, smddp_version="v1.6.0")
    assert (res.framework_version, res.smddp_version) == ("1.12.1", "1.6.0")


def test_an_smddp_version_no_release_of_the_framework_ships_is_not_found() -> None:
    with pytest.raises(UnknownVersionError) as info:
        compat.resolve("tensorflow", "latest", None, smddp_version="2.6.0")
    assert "2.6.0" in info.value.message
    assert "1.4.1" in info.value.choices


# -- the reverse lookup keeps its fields meaning one thing ------------------------------
def test_reverse_lookup_does_not_pretend_a_framework_version_was_asked() -> None:
    found = compat.find_by_smddp("1.7.0", "us-east-1")
    assert found
    for res in found:
        assert res.requested_version is None
        assert res.requested_smddp_version == "1.7.0"
        data = res.to_dict()
        assert data["requested_version"] is None
        assert data["requested_smddp_version"] == "1.7.0"
        assert not any("newest match for" in note for note in res.notes)
        assert any("ships smddp 1.7.0" in note for note in res.notes)


def test_a_plain_resolve_has_no_requested_smddp_version() -> None:
    data = compat.resolve("pytorch", "1.13.1").to_dict()
    assert data["requested_version"] == "1.13.1"
    assert data["requested_smddp_version"] is None


# -- torch.__version__ strings ----------------------------------------------------------
def test_a_local_version_matches_its_release_without_a_note_when_cuda_agrees() -> None:
    res = compat.resolve("pytorch", "1.13.1+cu117", "us-west-2")
    assert (res.framework_version, res.match, res.requested_version) == (
        "1.13.1",
        "exact",
        "1.13.1+cu117",
    )
    assert not any("cu117" in note for note in res.notes)


def test_a_local_version_with_another_cuda_gets_a_note_naming_both() -> None:
    res = compat.resolve("pytorch", "2.2.0+cu118", "us-west-2")
    assert res.framework_version == "2.2.0"
    [note] = [n for n in res.notes if "cu118" in n]
    assert "11.8" in note
    assert "12.1" in note


def test_a_local_version_that_is_not_a_cuda_build_is_noted() -> None:
    res = compat.resolve("pytorch", "2.2.0+cpu")
    assert res.framework_version == "2.2.0"
    assert any("+cpu" in n for n in res.notes)


def test_a_local_version_of_a_missing_release_is_still_not_found() -> None:
    with pytest.raises(UnknownVersionError):
        compat.resolve("pytorch", "1.13.7+cu117")


# -- the size limit's message does not contradict itself ---------------------------------
@pytest.mark.parametrize("extra", [1, 40_000])
def test_a_file_just_over_the_limit_shows_exact_size_and_limit(tmp_path: Path, extra: int) -> None:
    from compat.errors import MatrixError
    from compat.matrix.limits import MAX_BYTES

    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_BYTES + extra))
    with pytest.raises(MatrixError) as info:
        compat.load_matrix(path)
    message = info.value.message
    assert f"{MAX_BYTES + extra:,} bytes" in message
    assert f"{MAX_BYTES:,} bytes" in message
    assert "16.0 MiB; a matrix file may be at most 16 MiB" not in message


def test_a_file_of_exactly_the_limit_is_not_refused_for_its_size(tmp_path: Path) -> None:
    from compat.errors import MatrixError
    from compat.matrix.limits import MAX_BYTES

    path = tmp_path / "limit.yaml"
    path.write_bytes(b"#" * MAX_BYTES)
    with pytest.raises(MatrixError) as info:  # it is still not a matrix: empty of data
        compat.load_matrix(path)
    assert "at most" not in info.value.message


# -- the sweep: the same kind of problem elsewhere ----------------------------------------
def test_instance_types_for_an_smddp_version_that_does_not_exist_is_not_found() -> None:
    with pytest.raises(UnknownVersionError) as info:
        compat.list_instance_types("9.9.9")
    assert "9.9.9" in info.value.message
    assert "1.7.0" in info.value.choices
    assert [i.status for i in compat.list_instance_types("1.7.0")][:1] == ["supported"]


def test_explain_with_an_unknown_region_is_not_found() -> None:
    from compat.errors import UnknownRegionError

    message = (
        "The account-level service limit 'ml.p4d.24xlarge for training job usage' is 0 "
        "Instances, with current utilization of 0 Instances and a request delta of 1 Instances."
    )
    with pytest.raises(UnknownRegionError):
        compat.explain(message, region="bogus")
    assert compat.explain(message, region="US-West-2 ").region == "us-west-2"


def test_every_version_and_smddp_pair_is_both_or_a_conflict() -> None:
    """Exhaustive over the shipped matrix: never one of the two requests silently dropped."""
    from packaging.version import Version

    for fw in compat.list_frameworks():
        rows = [
            (Version(r.framework_version), r.smddp_version) for r in compat.resolve_all(fw.name)
        ]
        smddps = sorted({s for _, s in rows})
        requests = (
            {str(v) for v, _ in rows} | {f"{v.major}.{v.minor}" for v, _ in rows} | {"latest"}
        )
        for requested in sorted(requests):
            for smddp in smddps:

                def matches(v: Version, requested: str = requested) -> bool:
                    if requested == "latest":
                        return True
                    wanted = Version(requested)
                    size = len(wanted.release)
                    return v.release[:size] == wanted.release if size < 3 else v == wanted

                both = [v for v, s in rows if s == smddp and matches(v)]
                try:
                    res = compat.resolve(fw.name, requested, smddp_version=smddp)
                except UsageError:
                    assert not both, (fw.name, requested, smddp)
                    continue
                assert res.smddp_version == smddp
                assert Version(res.framework_version) == max(both), (fw.name, requested, smddp)
