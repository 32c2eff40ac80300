"""Fixtures for the CON tests (helpers in tests/style_testing.py)."""

from __future__ import annotations

import pytest
from style_testing import Linting


@pytest.fixture
def ctr() -> Linting:
    return Linting()
