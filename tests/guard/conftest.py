"""Fixtures for the send guard tests: a real redis-server, ledgers, emails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .redisserver import RedisServer, redis_server_missing_message, running_in_ci

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus"
#: A real newsletter-like email: Lee Munroe's responsive template.
NEWSLETTER = CORPUS / "leemunroe" / "email.inlined.html"


def need_redis_server() -> None:
    if shutil.which("redis-server") is None:
        if running_in_ci():
            pytest.fail(redis_server_missing_message() + "; CI must install it")
        pytest.skip(redis_server_missing_message())


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    need_redis_server()
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server only this test uses (it may be restarted or stopped)."""
    need_redis_server()
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", "redis"])
def ledger_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return request.getfixturevalue("redis_url")
