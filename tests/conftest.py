"""Shared fixtures: every test gets its own data root, so nothing touches ./var."""

from pathlib import Path

import pytest

from analysis.catalog import Catalog

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def catalog(tmp_path, monkeypatch) -> Catalog:
    home = tmp_path / "var"
    monkeypatch.setenv("NOCTA_HOME", str(home))
    monkeypatch.delenv("NOCTA_KEYS", raising=False)
    return Catalog(home)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
