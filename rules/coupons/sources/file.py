"""``file``: coupons kept in a CSV, JSON or YAML file beside the templates.

    [tool.oopslint.coupons]
    source = "file"
    [tool.oopslint.coupons.file]
    path = "coupons.csv"        # relative to the configuration file

CSV columns: ``code, active, starts_at, ends_at, kind, value, usage_limit,
times_used`` and, optionally, ``currency, minimum_amount``; other columns are
ignored. ``kind`` is ``percent``, ``amount`` or ``free_shipping``. Timestamps
are ISO 8601; a bare date as ``ends_at`` means the end of that day, naive
values are UTC. JSON and YAML files hold a list of objects with the same keys
(or ``{"coupons": [...]}``). Codes match case-insensitively, as shops do.

A file that cannot be read, or a row with a bad value, is a configuration
error naming the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from oopslint.config import ConfigError
from oopslint.coupons import KINDS, Coupon, CouponSource, SourceError

from . import _values

REQUIRED = ("code", "active", "starts_at", "ends_at", "kind", "value", "usage_limit", "times_used")
MAX_BYTES = 64 * 1024 * 1024

_loaded: dict[tuple[str, int, int], dict[str, Coupon]] = {}


class FileSource(CouponSource):
    name = "file"
    options = {"path": "coupons.csv"}
    network = False

    def __init__(self, settings: Any, base_dir: Path | None = None):
        super().__init__(settings, base_dir)
        raw = Path(str(self.settings["path"])).expanduser()
        self.path = raw if raw.is_absolute() or base_dir is None else base_dir / raw

    def describe(self) -> str:
        return self.path.name

    async def lookup(self, code: str) -> Coupon | None:
        return self.coupons().get(code.casefold())

    def coupons(self) -> dict[str, Coupon]:
        """Every coupon in the file by folded code, read once per file version."""
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise ConfigError(f"coupons file {self.path}: cannot be read ({exc.strerror or exc})") from None
        key = (str(self.path), stat.st_mtime_ns, stat.st_size)
        table = _loaded.get(key)
        if table is None:
            table = _read(self.path)
            if len(_loaded) > 16:
                _loaded.clear()
            _loaded[key] = table
        return table


def _read(path: Path) -> dict[str, Coupon]:
    where = f"coupons file {path}"
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{where}: larger than {MAX_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    suffix = path.suffix.lower()
    if suffix in (".json", ".yaml", ".yml"):
        rows = _document_rows(text, suffix, where)
    elif suffix in (".csv", ".tsv", ".txt", ""):
        rows = _csv_rows(text, "\t" if suffix == ".tsv" else ",", where)
    else:
        raise ConfigError(f"{where}: unknown format {suffix!r}; use .csv, .tsv, .json or .yaml")
    table: dict[str, Coupon] = {}
    for number, row in rows:
        coupon = _coupon(row, f"{where}, row {number}")
        folded = coupon.code.casefold()
        if folded in table:
            raise ConfigError(f"{where}, row {number}: code {coupon.code!r} is listed twice")
        table[folded] = coupon
    return table


def _csv_rows(text: str, delimiter: str, where: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ConfigError(f"{where}: not valid CSV ({exc})") from None
    if not header:
        raise ConfigError(f"{where}: empty; the first line must name the columns ({', '.join(REQUIRED)})")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ConfigError(f"{where}: missing column(s) {', '.join(missing)}; the header has {', '.join(header)}")
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        for row in reader:
            number = reader.line_num
            if None in row or any(value is None for value in row.values()):
                raise ConfigError(f"{where}, row {number}: expected {len(header)} columns")
            if not any((value or "").strip() for value in row.values()):
                continue
            rows.append((number, row))
    except csv.Error as exc:
        raise ConfigError(f"{where}, row {reader.line_num}: not valid CSV ({exc})") from None
    return rows


def _document_rows(text: str, suffix: str, where: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        if suffix == ".json":
            document = json.loads(text)
        else:
            import yaml

            document = yaml.safe_load(text)
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply") from None
    except ValueError as exc:
        raise ConfigError(f"{where}: not valid JSON ({exc})") from None
    except Exception as exc:  # yaml.YAMLError and its kin
        raise ConfigError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if isinstance(document, dict) and "coupons" in document:
        document = document["coupons"]
    if not isinstance(document, list):
        raise ConfigError(f'{where}: must hold a list of coupons (or {{"coupons": [...]}})')
    rows: list[tuple[int, dict[str, Any]]] = []
    for index, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}, entry {index}: must be an object with the coupon's fields")
        rows.append((index, {str(k).strip().lower(): v for k, v in item.items()}))
    return rows


def _kind(value: Any, what: str) -> str | None:
    kind = str(value).strip().lower() if value not in (None, "") else None
    if kind is not None and kind not in KINDS:
        raise SourceError(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")
    return kind


def _text(value: Any, what: str) -> str | None:
    return str(value).strip() or None if value is not None else None


def _coupon(row: dict[str, Any], where: str) -> Coupon:
    def read(name: str, parse: Any, **extra: Any) -> Any:
        value = row.get(name)
        if isinstance(value, str):
            value = value.strip()
        try:
            return parse(value, name, **extra)
        except SourceError as exc:
            raise ConfigError(f"{where}, column {name}: {exc}") from None

    code = read("code", _text)
    if not code:
        raise ConfigError(f"{where}, column code: empty")
    kind = read("kind", _kind)
    value = read("value", _values.decimal)
    if kind == "percent" and value is not None and value > 100:
        raise ConfigError(f"{where}, column value: a percentage above 100 ({value})")
    active = row.get("active")
    currency = read("currency", _text)
    return Coupon(
        code=code,
        active=read("active", _values.flag) if active not in (None, "") else True,
        starts_at=read("starts_at", _values.timestamp),
        ends_at=read("ends_at", _values.timestamp, end_of_day=True),
        kind=kind,
        value=value,
        currency=currency.upper() if currency else None,
        minimum_amount=read("minimum_amount", _values.decimal),
        usage_limit=read("usage_limit", _values.count),
        times_used=read("times_used", _values.count),
        free_shipping=kind == "free_shipping",
    )
