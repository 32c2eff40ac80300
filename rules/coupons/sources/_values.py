"""Reading the values coupon backends send: timestamps, money, counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from oopslint.coupons import SourceError


def timestamp(value: Any, what: str, *, end_of_day: bool = False) -> datetime | None:
    """ISO 8601 text, a date, or epoch seconds; naive values are UTC.

    A bare date names a whole day: as an end it means the end of that day.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SourceError(f"{what} is not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise SourceError(f"{what} is not a timestamp: {value!r}") from None
    if not isinstance(value, str):
        raise SourceError(f"{what} is not a timestamp: {value!r}")
    text = value.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise SourceError(f"{what} is not a date: {value!r}") from None
        moment = time(23, 59, 59) if end_of_day else time(0, 0)
        return datetime.combine(day, moment, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise SourceError(f"{what} is not an ISO 8601 timestamp: {value!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def decimal(value: Any, what: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SourceError(f"{what} is not a number: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise SourceError(f"{what} is not a number: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise SourceError(f"{what} is not a usable amount: {value!r}")
    return number


def count(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SourceError(f"{what} is not a whole number: {value!r}")
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise SourceError(f"{what} is not a whole number: {value!r}") from None
    if number < 0:
        raise SourceError(f"{what} is negative: {value!r}")
    return number


def flag(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "active", "enabled", "y"):
        return True
    if text in ("false", "no", "0", "inactive", "disabled", "n", "expired"):
        return False
    raise SourceError(f"{what} is not true or false: {value!r}")


def mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SourceError(f"{what} is not a JSON object")
    return value
