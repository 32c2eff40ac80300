from __future__ import annotations

import os

import pytest

from .helpers import ROOT


@pytest.fixture(autouse=True)
def _dictionary_cache_in_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep preprocessed dictionaries in the checkout's (ignored) cache folder."""
    if not os.environ.get("OOPSLINT_CACHE_DIR"):
        monkeypatch.setenv("OOPSLINT_CACHE_DIR", str(ROOT / ".oopslint-cache"))
