"""Coupon sources: where the CPN rules look up the codes an email promises.

A source answers one question per code: what does the shop know about it?
Built-in sources (``file``, ``stripe``, ``shopify``, ``woocommerce``,
``http``) register through the entry-point group ``oopslint.coupon_sources``,
the same way a third-party source does::

    # acme_oopslint/coupons.py
    from oopslint.coupons import Coupon, CouponSource, SourceError

    class AcmeSource(CouponSource):
        name = "acme"
        options = {"base_url": "", "api_key": ""}   # [tool.oopslint.coupons.acme]

        async def lookup(self, code: str) -> Coupon | None:
            data = await http.client().get_json(f"{self.settings['base_url']}/codes/{code}",
                                                 headers={"Authorization": self.settings["api_key"]})
            ...

    # pyproject.toml
    [project.entry-points."oopslint.coupon_sources"]
    acme = "acme_oopslint.coupons:AcmeSource"

``lookup`` returns a :class:`Coupon`, ``None`` when the shop has no such code,
or raises :class:`SourceError` when it cannot tell (unreachable, refused,
answered something that is not a coupon): the rules then say "could not
verify", never guess. Credentials in settings are written ``"${VAR}"`` and are
read from the environment by :mod:`oopslint.http` at request time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from .config import ConfigError

__all__ = ["Coupon", "CouponSource", "SourceError", "KINDS", "ENTRY_POINT_GROUP", "source_class"]

ENTRY_POINT_GROUP = "oopslint.coupon_sources"

#: What a discount is: a percentage, a fixed amount, or free shipping.
KINDS = ("percent", "amount", "free_shipping")


@dataclass(frozen=True)
class Coupon:
    """What the shop knows about one code. ``None`` means the source does not say."""

    code: str
    active: bool = True
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    kind: str | None = None  # one of KINDS
    value: Decimal | None = None  # percent (20 for 20%) or amount in currency units
    currency: str | None = None  # ISO 4217, upper case
    minimum_amount: Decimal | None = None
    usage_limit: int | None = None
    times_used: int | None = None
    #: free shipping given on top of the discount (Shopify, WooCommerce)
    free_shipping: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def remaining(self) -> int | None:
        """Redemptions left, when the shop limits them."""
        if self.usage_limit is None:
            return None
        return max(0, self.usage_limit - (self.times_used or 0))


class SourceError(Exception):
    """The source could not answer for a code. The message must not hold a secret."""


class CouponSource:
    """Base class of a coupon source.

    ``options`` lists the keys of the source's own table
    (``[tool.oopslint.coupons.<name>]``) with their defaults; unknown keys are
    configuration errors. ``settings`` holds the merged values and
    ``base_dir`` the folder of the configuration file (for relative paths).
    ``network`` says whether :meth:`lookup` needs the network: network sources
    are skipped (and the rules say so) under ``--offline``.
    """

    name: ClassVar[str] = ""
    options: ClassVar[Mapping[str, Any]] = {}
    network: ClassVar[bool] = True

    def __init__(self, settings: Mapping[str, Any], base_dir: Path | None = None):
        unknown = sorted(set(settings) - set(self.options))
        if unknown:
            valid = ", ".join(sorted(self.options)) or "(none)"
            raise ConfigError(f"unknown option {unknown[0]!r} in [coupons.{self.name}]; valid options: {valid}")
        merged = dict(self.options)
        merged.update(settings)
        self.settings: dict[str, Any] = merged
        self.base_dir = base_dir

    async def lookup(self, code: str) -> Coupon | None:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:
        """How findings name this source ("Stripe", "coupons.csv")."""
        return self.name


_classes: dict[str, type[CouponSource]] | None = None


def _discover() -> dict[str, type[CouponSource]]:
    global _classes
    if _classes is None:
        from .registry import entry_points  # the cached metadata scan the rules are found with

        found: dict[str, type[CouponSource]] = {}
        for entry_point in entry_points(ENTRY_POINT_GROUP):
            try:
                loaded = entry_point.load()
            except Exception as exc:
                raise ConfigError(
                    f"coupon source plugin {entry_point.name!r} ({entry_point.value}) failed to load: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
            if not (isinstance(loaded, type) and issubclass(loaded, CouponSource)):
                raise ConfigError(f"coupon source plugin {entry_point.name!r} is not a CouponSource subclass")
            found[entry_point.name] = loaded
        _classes = found
    return _classes


def source_class(name: str) -> type[CouponSource]:
    """The source registered as ``name``; :class:`ConfigError` names the valid ones."""
    classes = _discover()
    try:
        return classes[name]
    except KeyError:
        valid = ", ".join(repr(n) for n in sorted(classes))
        raise ConfigError(f"coupons.source = {name!r} is not a known coupon source; choose from {valid}") from None
