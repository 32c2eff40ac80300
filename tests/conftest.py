"""Fixtures shared by the engine tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from oopslint_testing import CORPUS, run_cli


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-email corpus is not at {CORPUS}")
    return CORPUS


@pytest.fixture
def cli():
    return run_cli
