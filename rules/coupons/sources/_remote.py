"""What the network sources share: one request through the run's client, and
answers turned into "unknown code", a Coupon, or a SourceError that says what
went wrong without repeating a credential or the response body."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from oopslint import http
from oopslint.config import ConfigError
from oopslint.coupons import SourceError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def origin(settings: Mapping[str, Any], source: str, key: str = "base_url") -> str:
    value = str(settings.get(key) or "").strip().rstrip("/")
    if not value.lower().startswith(("http://", "https://")):
        raise ConfigError(f"[coupons.{source}] {key} must be an http(s) URL, got {value!r}")
    return value


def credential(settings: Mapping[str, Any], key: str, source: str) -> str:
    """The configured value (usually ``"${VAR}"``), kept unexpanded: the HTTP
    client reads the variable at request time."""
    value = str(settings.get(key) or "")
    if not value:
        raise ConfigError(f'[coupons.{source}] needs {key} (write it as "${{VAR}}" and set VAR in the environment)')
    return value


def basic_auth(user: str, password: str, source: str) -> str:
    """An Authorization header value for HTTP Basic auth, from settings that
    name environment variables. The result is a secret: it is only ever handed
    to the HTTP client, never put in a message."""

    def expand(value: str) -> str:
        def lookup(match: re.Match[str]) -> str:
            found = os.environ.get(match.group(1))
            if found is None:
                raise SourceError(f"{source} needs the environment variable {match.group(1)}, which is not set")
            return found

        return _ENV.sub(lookup, value)

    token = base64.b64encode(f"{expand(user)}:{expand(password)}".encode()).decode("ascii")
    return f"Basic {token}"


def refusal(status: int, source: str) -> SourceError:
    if status in (401, 403):
        return SourceError(f"{source} refused the credentials (HTTP {status})")
    if status == 429:
        return SourceError(f"{source} kept answering 429 Too Many Requests")
    return SourceError(f"{source} answered HTTP {status}")


async def request(
    source: str,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    params: Mapping[str, Any] | Sequence[tuple[str, str]] | None = None,
    json: Any = None,
) -> tuple[int, Any]:
    """Send one request; return the status and the parsed JSON body (None when
    the body is not JSON). Transport failures become a SourceError."""
    try:
        response = await http.client().request(method, url, headers=headers, params=params, json=json)
    except http.HttpError as exc:
        if exc.kind == "offline":
            raise
        raise SourceError(f"{source} could not be reached: {exc}") from None
    try:
        body = response.json()
    except http.HttpError:
        body = None
    return response.status, body
