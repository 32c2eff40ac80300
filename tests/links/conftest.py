"""Fixtures for the link tests: real HTTP servers on 127.0.0.x (see linkserver.py)."""

from __future__ import annotations

import pytest

from .linkserver import Server, ServerPool


@pytest.fixture
def servers():
    pool = ServerPool()
    yield pool
    pool.close()


@pytest.fixture
def server(servers) -> Server:
    return servers.start("127.0.0.1")
