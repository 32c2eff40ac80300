"""Fixtures shared by the engine tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from oopslint_testing import CORPUS, run_cli


@pytest.fixture(scope="session")
def corpus() -> Path:
    # the corpus is part of the repository: a missing one is a broken checkout, not a reason to skip
    assert CORPUS.is_dir(), f"the real-email corpus is not at {CORPUS}"
    return CORPUS


@pytest.fixture
def cli():
    return run_cli


_LOOPBACK_NAMES = ("localhost", "localhost.", "ip6-localhost")


@pytest.fixture(autouse=True, scope="session")
def loopback_only():
    """Tests never reach the internet: name lookups of anything but loopback fail
    here as they would on a machine with no network."""
    import ipaddress
    import socket

    real_getaddrinfo = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or name in _LOOPBACK_NAMES or str(name).endswith(".localhost"):
            return real_getaddrinfo(host, *args, **kwargs)
        try:
            ipaddress.ip_address(str(name).strip("[]").split("%")[0])
        except ValueError:
            pass
        else:  # an address literal needs no DNS; connecting is the SSRF guard's business
            return real_getaddrinfo(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"{name}: name lookups outside loopback are off in tests")

    socket.getaddrinfo = guarded
    yield
    socket.getaddrinfo = real_getaddrinfo
