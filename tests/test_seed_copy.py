"""The seed page travels with the tests (tests/data/), so no test skips in a plain clone."""

from __future__ import annotations

import hashlib
import re

from .conftest import REPO, SEED_PAGE, SHARED

DATA = REPO / "tests" / "data"


def test_the_seed_page_is_a_file_of_the_repository() -> None:
    assert SEED_PAGE.is_relative_to(DATA)
    assert SEED_PAGE.is_file()


def test_the_copy_has_its_source_licence_and_hash_recorded() -> None:
    notes = (DATA / "README.md").read_text(encoding="utf-8")
    section = notes.split(f"## {SEED_PAGE.name}", 1)[1]
    assert "github.com/awsdocs/amazon-sagemaker-developer-guide" in section
    assert "CC BY-SA 4.0" in section
    [recorded] = re.findall(r"SHA-256: `([0-9a-f]{64})`", section)
    assert hashlib.sha256(SEED_PAGE.read_bytes()).hexdigest() == recorded


def test_the_copy_is_the_shared_seed_where_that_is_present() -> None:
    shared = SHARED / "seed" / "000_06950a53227b56d6.txt"
    if shared.exists():  # only beside the original checkout; the copy must not drift
        assert shared.read_bytes() == SEED_PAGE.read_bytes()
