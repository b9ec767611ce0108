"""The static export, written once per test session (export-site takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def exported_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from compat.service.export import export_site

    target = tmp_path_factory.mktemp("differential-export") / "site"
    export_site(str(target))
    return target
