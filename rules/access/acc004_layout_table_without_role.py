"""ACC004 layout-table-without-role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

_DATA_MARKERS = ("th", "caption", "thead", "tfoot")


@rule(
    code="ACC004",
    name="layout-table-without-role",
    summary='A layout table lacks role="presentation"',
    severity="info",
    section="access",
)
def layout_table_without_role(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports `<table>` elements used for layout that do not say
    `role="presentation"` (or `role="none"`), once for the outermost such
    table with a count of those inside it. A table counts as layout when it
    holds another table or has a single column; one with `<th>`, `<caption>`,
    `<thead>`, `<tfoot>`, `summary` or `scope`/`headers` cells is data, and a
    grid of several rows and columns may be data (an order summary), so it is
    left alone.

    Why is this bad?
    Screen readers announce a table as a table: "table with 3 rows and 2
    columns, row 1 column 1", for every wrapper table of the layout, before
    the reader hears a word of the message.

    Example
    ```html
    <table width="100%" cellpadding="0" cellspacing="0"><tr><td>Hello Ada,</td></tr></table>
    ```

    Use instead
    ```html
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td>Hello Ada,</td></tr></table>
    ```
    """
    tables = email.find("table")
    if not any(_may_offend(table) for table in tables):
        return  # every table has a role (or none is seen): the table structure need not be read
    data_tables = email.memo("oopslint.rules.access.data-tables", _data_tables)
    layout = email.memo("oopslint.rules.access.layout-tables", _layout_tables)
    offenders = [t for t in tables if _offends(t, data_tables, layout)]
    offending = {t.index for t in offenders}
    root_of: dict[int, int] = {}
    reported: set[int] = set()
    nested: dict[int, int] = {}
    for table in offenders:
        # one finding for the outermost offender; the ones inside it are counted in it
        outer = _nearest_table(table, offending)
        if outer is not None:
            root = root_of[outer.index]
            root_of[table.index] = root
            nested[root] = nested.get(root, 0) + 1
            continue
        root_of[table.index] = table.index
        reported.add(table.index)
    for table in offenders:
        if table.index not in reported:
            continue
        inside = nested.get(table.index, 0)
        more = f" (and {inside} layout table{'s' if inside != 1 else ''} inside it)" if inside else ""
        yield Finding(
            f'Layout table without role="presentation"{more}: screen readers announce its rows and columns',
            span=email.element_span(table),
            suggestion='add role="presentation" to the <table>',
            data={"nested": inside},
        )


def _nearest_table(table: Any, offending: set[int]) -> Any:
    """The nearest enclosing table that is itself an offender (tables with a role are passed over)."""
    for ancestor in table.ancestors():
        if ancestor.tag == "table" and ancestor.index in offending:
            return ancestor
    return None


def _may_offend(table: Any) -> bool:
    """Seen, without a role or a summary."""
    if table.in_comment or table.hidden:
        return False
    role = table.attrs.get("role", "").strip().lower()
    return not (role or table.attrs.get("summary"))


def _offends(table: Any, data_tables: set[int], layout: dict[int, bool]) -> bool:
    if not _may_offend(table) or table.index in data_tables:
        return False
    return layout.get(table.index, False)


def _owner_tables(email: Email) -> dict[int, Any]:
    """The nearest enclosing table of each element (None outside tables), parents first."""
    owners: dict[int, Any] = {}
    for element in email.elements:
        parent = element.parent
        if parent is None or parent.tag == "#document":
            owners[element.index] = None
        elif parent.tag == "table":
            owners[element.index] = parent
        elif parent.index in owners and email.elements[parent.index] is parent:
            owners[element.index] = owners[parent.index]
        else:
            owners[element.index] = next((a for a in element.ancestors() if a.tag == "table"), None)
    return owners


def _data_tables(email: Email) -> set[int]:
    """Tables with header cells, captions or header groups of their own (not of a nested table)."""
    owners = email.memo("oopslint.rules.access.owner-tables", _owner_tables)
    out: set[int] = set()
    for element in email.elements:
        marker = element.tag in _DATA_MARKERS or (
            element.tag == "td" and ("scope" in element.attrs or "headers" in element.attrs)
        )
        if not marker:
            continue
        owner = owners[element.index]
        if owner is not None:
            out.add(owner.index)
    return out


def _layout_tables(email: Email) -> dict[int, bool]:
    """Tables that hold another table, or whose rows have at most one cell each."""
    owners = email.memo("oopslint.rules.access.owner-tables", _owner_tables)
    nested: set[int] = set()
    widest: dict[int, int] = {}
    for element in email.elements:
        if element.in_comment:
            continue
        tag = element.tag
        if tag != "table" and tag != "tr":
            continue
        owner = owners[element.index]
        if owner is None:
            continue
        if tag == "table":
            nested.add(owner.index)
        else:
            cells = sum(1 for child in element.children if child.tag in ("td", "th"))
            widest[owner.index] = max(widest.get(owner.index, 0), cells)
    return {table.index: table.index in nested or widest.get(table.index, 0) <= 1 for table in email.find("table")}
