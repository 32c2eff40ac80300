"""``[tool.oopslint.http]``: defaults, validation, per-host settings."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from .. import __version__ as _VERSION  # not importlib.metadata: scanning every distribution slows each start
from .._redact import ENV_REFERENCE, remember_references
from ..config import ConfigError
from ._results import Failure

#: Looks like a browser to servers that sniff for one, and says who it is.
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 "
    f"oopslint/{_VERSION} (email link checker; +https://github.com/oopslint/oopslint)"
)

#: ``[tool.oopslint.http]`` options and their defaults.
HTTP_OPTIONS: dict[str, Any] = {
    "timeout": 10.0,
    "retries": 2,
    "backoff": 0.5,
    "max_retry_wait": 15.0,
    "budget": 60.0,
    "max_concurrency": 64,
    "max_per_host": 8,
    "min_interval": 0.025,
    "max_redirects": 10,
    "user_agent": DEFAULT_USER_AGENT,
    "allow_private": False,
    "verify_tls": True,
    "ca_bundle": "",
    "hosts": {},
    "cache_ttl": 86400.0,
    "progress": True,
    "dns_probe_hosts": ["example.com", "www.google.com", "one.one.one.one"],
}

#: Keys a ``[tool.oopslint.http.hosts."name"]`` table may set.
HOST_OPTION_KEYS = ("timeout", "retries", "max_per_host", "min_interval", "allow_private", "verify_tls", "headers")

_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


@dataclass(frozen=True)
class HostSettings:
    timeout: float
    retries: int
    max_per_host: int
    min_interval: float
    allow_private: bool
    verify_tls: bool
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Settings:
    base: HostSettings
    backoff: float
    max_retry_wait: float
    budget: float
    max_concurrency: int
    max_redirects: int
    user_agent: str
    ca_bundle: str
    cache_ttl: float
    progress: bool
    dns_probe_hosts: tuple[str, ...]
    hosts: tuple[tuple[str, Mapping[str, Any]], ...] = ()

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> Settings:
        merged = dict(HTTP_OPTIONS)
        for key, value in options.items():
            merged[key.replace("-", "_")] = value
        unknown = sorted(set(merged) - set(HTTP_OPTIONS))
        if unknown:
            raise ConfigError(
                f"unknown option {unknown[0]!r} in [http]; valid options: {', '.join(sorted(HTTP_OPTIONS))}"
            )
        where = "[http] "
        base = HostSettings(
            timeout=_number(merged, "timeout", where, positive=True),
            retries=_whole(merged, "retries", where),
            max_per_host=_whole(merged, "max_per_host", where, minimum=1),
            min_interval=_number(merged, "min_interval", where),
            allow_private=_flag(merged, "allow_private", where),
            verify_tls=_flag(merged, "verify_tls", where),
        )
        hosts = merged.get("hosts") or {}
        if not isinstance(hosts, Mapping):
            raise ConfigError("[http] hosts must be a table of host name = { options }")
        parsed_hosts = []
        for pattern, table in hosts.items():
            where_host = f'[http] hosts."{pattern}".'
            if not isinstance(table, Mapping):
                raise ConfigError(f"{where_host[:-1]} must be a table, like {{ timeout = 20 }}")
            clean: dict[str, Any] = {}
            for key, value in table.items():
                norm = key.replace("-", "_")
                if norm not in HOST_OPTION_KEYS:
                    raise ConfigError(
                        f"unknown option {key!r} in {where_host[:-1]}; valid options: {', '.join(HOST_OPTION_KEYS)}"
                    )
                clean[norm] = value
            probe = {**asdict(base), **clean}
            _number(probe, "timeout", where_host, positive=True)
            _whole(probe, "retries", where_host)
            _whole(probe, "max_per_host", where_host, minimum=1)
            _number(probe, "min_interval", where_host)
            _flag(probe, "allow_private", where_host)
            _flag(probe, "verify_tls", where_host)
            headers = clean.get("headers", {})
            if not isinstance(headers, Mapping) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
            ):
                raise ConfigError(f'{where_host}headers must be a table of header name = "value"')
            remember_references(dict(headers))
            for name, value in headers.items():
                if not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name):
                    raise ConfigError(f"{where_host}headers: {name!r} is not a valid header name")
                check_header_value(name, value, f"{where_host}headers")
                if all(ref in os.environ for ref in ENV_REFERENCE.findall(value)):
                    expand_env(value, f"{where_host}headers", header=name)
            clean["headers"] = tuple(headers.items())
            parsed_hosts.append((pattern.strip().lower(), clean))
        probes = merged.get("dns_probe_hosts") or []
        if not isinstance(probes, list) or not all(isinstance(p, str) for p in probes):
            raise ConfigError("[http] dns_probe_hosts must be a list of host names")
        user_agent = merged.get("user_agent")
        if not isinstance(user_agent, str) or not user_agent.strip() or "\n" in user_agent:
            raise ConfigError("[http] user_agent must be a one-line string")
        ca_bundle = merged.get("ca_bundle") or ""
        if not isinstance(ca_bundle, str):
            raise ConfigError("[http] ca_bundle must be the path of a PEM file")
        if ca_bundle and not Path(ca_bundle).expanduser().is_file():
            raise ConfigError(f"[http] ca_bundle: {ca_bundle!r} is not a file")
        if ca_bundle:
            _check_ca_bundle(str(Path(ca_bundle).expanduser()))
        return cls(
            base=base,
            backoff=_number(merged, "backoff", where),
            max_retry_wait=_number(merged, "max_retry_wait", where),
            budget=_number(merged, "budget", where, positive=True),
            max_concurrency=_whole(merged, "max_concurrency", where, minimum=1),
            max_redirects=_whole(merged, "max_redirects", where),
            user_agent=user_agent.strip(),
            ca_bundle=str(Path(ca_bundle).expanduser()) if ca_bundle else "",
            cache_ttl=_number(merged, "cache_ttl", where),
            progress=_flag(merged, "progress", where),
            dns_probe_hosts=tuple(probes),
            hosts=tuple(parsed_hosts),
        )

    def for_host(self, host: str, port: int | None) -> HostSettings:
        """The settings for ``host``: the most specific ``hosts`` entry wins
        (``host:port``, then ``host``, then the longest ``*.suffix``)."""
        host = host.lower().rstrip(".")
        best: tuple[int, Mapping[str, Any]] | None = None
        for pattern, table in self.hosts:
            rank = _host_pattern_rank(pattern, host, port)
            if rank and (best is None or rank > best[0]):
                best = (rank, table)
        if best is None:
            return self.base
        table = dict(best[1])
        for key in ("timeout", "min_interval"):
            if key in table:
                table[key] = float(table[key])
        return replace(self.base, **table)


def _host_pattern_rank(pattern: str, host: str, port: int | None) -> int:
    name, _, pattern_port = pattern.partition(":") if not pattern.startswith("[") else (pattern, "", "")
    if pattern_port:
        if port is None or str(port) != pattern_port:
            return 0
        bonus = 1
    else:
        bonus = 0
    name = name.rstrip(".")
    if name == host:
        return 10_000 + bonus
    if name.startswith("*.") and (host.endswith(name[1:]) or host == name[2:]):
        return len(name) + bonus
    return 0


def _check_ca_bundle(path: str) -> None:
    """Load the bundle once here, so a file that is not PEM certificates is a
    configuration error and not a failure of every HTTPS check."""
    import ssl

    try:
        ssl.create_default_context(cafile=path)
    except ssl.SSLError as exc:
        reason = exc.reason or exc.strerror or str(exc)
        raise ConfigError(f"[http] ca_bundle: {path!r} is not a PEM file of CA certificates ({reason})") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"[http] ca_bundle: cannot read {path!r} ({getattr(exc, 'strerror', None) or exc})") from None


def _number(values: Mapping[str, Any], key: str, where: str, *, positive: bool = False) -> float:
    value = values.get(key)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value < 1e15
        or (positive and value == 0)
    ):
        need = "a number above 0" if positive else "a number of 0 or more"
        raise ConfigError(f"{where}{key} must be {need}, got {value!r}")
    return float(value)


def _whole(values: Mapping[str, Any], key: str, where: str, *, minimum: int = 0) -> int:
    value = values.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}{key} must be a whole number of {minimum} or more, got {value!r}")
    return value


def _flag(values: Mapping[str, Any], key: str, where: str) -> bool:
    value = values.get(key)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}{key} must be true or false, got {value!r}")
    return value


def check_header_value(name: str, value: str, where: str, template: str | None = None) -> None:
    """A header value is one line of ASCII text. The error names the header
    and the variables its value was read from, never the value."""
    if _HEADER_VALUE.fullmatch(value):
        return
    bad = next(ch for ch in value if not _HEADER_VALUE.fullmatch(ch))
    fault = (
        "a line break" if bad in "\r\n" else "a control character" if bad.isascii() else "a character that is not ASCII"
    )
    names = ENV_REFERENCE.findall(template or "")
    source = f" (read from {', '.join('${' + n + '}' for n in names)})" if names else ""
    raise ConfigError(
        f"{where}: the value of the {name} header{source} has {fault}; a header value must be one line of ASCII text"
    )


def expand_env(value: str, what: str, header: str | None = None) -> str:
    """``value`` with each ``${NAME}`` read from the environment. With
    ``header``, the result must be a valid value for that header
    (:class:`ConfigError` otherwise)."""
    if "${" in value:
        remember_references(value)

        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            found = os.environ.get(name)
            if found is None:
                raise Failure("config", f"{what} needs the environment variable {name}, which is not set")
            return found

        expanded = ENV_REFERENCE.sub(lookup, value)
    else:
        expanded = value
    if header is not None:
        check_header_value(header, expanded, what, template=value)
    return expanded
