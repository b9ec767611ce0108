"""The tables that drive the tag and wheel rules are consistent with their patterns."""

from __future__ import annotations

import pytest

from compat.matrix import rules


@pytest.mark.parametrize(
    "name", [rules.DLC_TAG, rules.HF_TAG, rules.WHEEL], ids=["dlc-tag", "hf-tag", "wheel"]
)
def test_every_rule_reads_a_group_of_its_pattern(name: rules._Name) -> None:
    groups = set(name.pattern.groupindex)
    assert {rule.group for rule in name.rules} <= groups


def test_each_table_names_a_check_once() -> None:
    for name in (rules.DLC_TAG, rules.HF_TAG, rules.WHEEL):
        checks = [rule.check for rule in name.rules]
        assert len(checks) == len(set(checks))
    assert "tag-pytorch-version" in rules.CHECKS
    assert "wheel-python" in rules.CHECKS
