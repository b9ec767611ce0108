"""The AWS partition a region's name implies, for regions the matrix does not know yet.

``lint`` checks a region's recorded partition against its name, and
``import-sdk --merge`` gives a region the SDK adds the partition its name implies.
"""

from __future__ import annotations

#: Region name prefixes of the partitions other than aws (longest first).
_PARTITION_PREFIXES = (
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-gov-", "aws-us-gov"),
    ("eusc-", "aws-eusc"),
    ("cn-", "aws-cn"),
)


def partition_of(region: str) -> str:
    """The partition a region's name implies (``cn-north-1`` -> ``aws-cn``)."""
    for prefix, partition in _PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return "aws"
