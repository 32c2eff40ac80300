"""Fixtures for the CMP tests (helpers in tests/markup_testing.py)."""

from __future__ import annotations

import pytest
from markup_testing import Linting


@pytest.fixture
def mail() -> Linting:
    return Linting()
