"""A quicker ``__init__`` for frozen, slotted dataclasses made in great numbers.

A frozen dataclass's generated ``__init__`` sets each field with
``object.__setattr__``, which looks the attribute up on the class every time:
with ten fields that is most of the cost of making one (a lint of a typical
email makes thousands of spans, findings and painted colours). This one sets
each slot through its member descriptor, found once. The instance is the same
and stays frozen; a class this cannot handle exactly keeps its own ``__init__``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["quick_init"]

_T = TypeVar("_T")


class _Factory:
    """The default shown for a field made by a factory (as dataclasses shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def quick_init(cls: type[_T]) -> type[_T]:
    """Replace the ``__init__`` of a frozen, slotted dataclass ``cls`` by one
    that sets its slots directly (see the module docstring)."""
    params = getattr(cls, "__dataclass_params__", None)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if (
        params is None
        or not params.frozen
        or "__slots__" not in cls.__dict__
        or hasattr(cls, "__post_init__")
        or any(not f.init or f.kw_only for f in fields)
    ):
        return cls
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY}
    parameters = []
    body = []
    for number, f in enumerate(fields):
        namespace[f"_set_{number}"] = cls.__dict__[f.name].__set__  # the slot's member descriptor
        if f.default is not dataclasses.MISSING:
            namespace[f"_default_{number}"] = f.default
            parameters.append(f"{f.name}=_default_{number}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{number}"] = f.default_factory
            parameters.append(f"{f.name}=_FACTORY")
            body.append(f"    if {f.name} is _FACTORY:\n        {f.name} = _factory_{number}()")
        else:
            parameters.append(f.name)
        body.append(f"    _set_{number}(self, {f.name})")
    source = f"def __init__(self, {', '.join(parameters)}):\n" + "\n".join(body or ["    pass"]) + "\n"
    exec(source, namespace)  # noqa: S102 - built from the class's own field names, as dataclasses does
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
