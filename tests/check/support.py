"""Shared paths of the check tests."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus" / "repo"
SARIF_SCHEMA = HERE / "sarif" / "sarif-schema-2.1.0.json"
