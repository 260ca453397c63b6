"""Shared fixtures: every test gets its own data root, so nothing touches ./var."""

from pathlib import Path

import pytest

from analysis.catalog import Catalog
from analysis.ingest.pseudonymise import create_key

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def catalog(tmp_path, monkeypatch) -> Catalog:
    home = tmp_path / "var"
    monkeypatch.setenv("NOCTA_HOME", str(home))
    monkeypatch.delenv("NOCTA_KEYS", raising=False)
    catalog = Catalog(home)
    create_key(catalog.keys)
    return catalog


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
