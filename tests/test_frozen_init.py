"""The quicker __init__ of the frozen dataclasses a lint makes by the thousand
(spans, findings, painted colours, merge tags) builds the same instances."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field

import pytest

from oopslint import Finding, Span
from oopslint._frozen import quick_init
from oopslint.styles import Painted
from oopslint.templating import Token


def twins(**options: object) -> tuple[type, type]:
    """One class shape twice: as dataclasses makes it, and with quick_init."""

    def make() -> type:
        @dataclass(**options)  # type: ignore[call-overload]
        class Shape:
            name: str
            size: int = 3
            tags: list[str] = field(default_factory=list)
            note: str | None = None

        return Shape

    return make(), quick_init(make())


def test_the_same_instances_from_positional_keyword_and_default_arguments() -> None:
    plain, quick = twins(frozen=True, slots=True)
    assert quick.__init__ is not plain.__init__
    for args, kwargs in [(("a",), {}), (("a", 5), {}), (("a", 5, ["x"], "n"), {}), ((), {"name": "a", "note": "n"})]:
        made, expected = quick(*args, **kwargs), plain(*args, **kwargs)
        assert dataclasses.astuple(made) == dataclasses.astuple(expected)
        assert repr(made).replace(quick.__qualname__, "") == repr(expected).replace(plain.__qualname__, "")
    assert str(inspect.signature(quick)) == str(inspect.signature(plain))
    first, second = quick("a"), quick("b")
    assert first.tags == [] and first.tags is not second.tags  # a fresh list from the factory each time
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.name = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        quick()  # the required field is still required
    with pytest.raises(TypeError):
        quick("a", colour="red")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "options", [{"frozen": True}, {"slots": True}, {"frozen": True, "slots": True, "kw_only": True}]
)
def test_a_class_it_cannot_handle_exactly_keeps_its_own_init(options: dict[str, object]) -> None:
    plain, kept = twins(**options)
    assert kept.__init__.__qualname__ == plain.__init__.__qualname__
    assert dataclasses.astuple(kept(name="a")) == dataclasses.astuple(plain(name="a"))


def test_the_library_classes_it_speeds_up_behave_as_declared() -> None:
    span = Span(1, 2, 3, 4)
    assert (span.line, span.column, span.end_line, span.end_column) == (1, 2, 3, 4) and span == Span(1, 2, 3, 4)
    finding = Finding("Broken link", span, code="LNK001")
    assert finding.data == {} and finding.data is not Finding("x").data and finding.severity is None
    assert finding.line == 1 and finding.with_(path="a.html").path == "a.html"
    assert Token(0, 5, "{{x}}", "jinja").expression == "x"
    painted = Painted("full", (0, 0, 0, 1.0), (255, 255, 255, 1.0), False, False, 16.0, False, 21.0, 4.5, "inline")
    assert painted.passes and painted.background_element is None
    for frozen, name in ((span, "line"), (finding, "code"), (painted, "ratio")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(frozen, name, 0)
