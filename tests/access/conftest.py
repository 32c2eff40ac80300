"""Fixtures for the ACC tests (helpers in tests/style_testing.py)."""

from __future__ import annotations

import pytest
from style_testing import Linting


@pytest.fixture
def acc() -> Linting:
    return Linting()
