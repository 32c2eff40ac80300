"""Reading send contexts row by row: JSON Lines, a JSON array, CSV, TSV or any
iterable of mappings. Nothing is read ahead: memory does not grow with rows."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import count, islice
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from ..context import ContextError, SendContext

__all__ = ["RawRow", "CONTEXT_FORMATS", "LineBlock", "iter_context_rows"]

CONTEXT_FORMATS = ("auto", "jsonl", "json", "csv", "tsv")
_CHUNK = 1 << 16

RawRow = tuple[int, "int | None", Any, "str | None"]


class LineBlock(NamedTuple):
    """Consecutive lines of a JSON Lines source, unread: ``rows`` rows (its
    lines that are not blank), numbered from ``first_row``, on lines numbered
    from ``first_line``. Whoever checks them splits them with :meth:`items`."""

    first_row: int
    first_line: int
    lines: list[str]
    rows: int

    def items(self) -> list[tuple[int, int | None, Any]]:
        """``(row number, line, text)`` of each row, as :func:`iter_context_rows`
        numbers them with ``with_text`` and ``parse_json=False``."""
        out: list[tuple[int, int | None, Any]] = []
        number = self.first_row
        for line_number, line in enumerate(self.lines, self.first_line):
            if not line.strip():
                continue
            out.append((number, line_number, line))
            number += 1
        return out

    def parsed(self) -> tuple[list[tuple[int, int, dict[str, Any]]], list[tuple[int, int, None, str]]]:
        """``(row number, line, object)`` of each row read, and ``(row number,
        line, None, why)`` of each that cannot be, as :func:`parse_json_row`
        reads them: a line that is one object is decoded here, in one loop."""
        rows: list[tuple[int, int, dict[str, Any]]] = []
        unreadable: list[tuple[int, int, None, str]] = []
        number = self.first_row
        one_object = _object_reader(self.lines)
        for line_number, line in enumerate(self.lines, self.first_line):
            value = one_object(line)
            if value is not _NOT_ONE_OBJECT:
                rows.append((number, line_number, value))
                number += 1
                continue
            if not line.strip():
                continue
            value, error = parse_json_row(line)
            if error is None:
                rows.append((number, line_number, value))
            else:
                unreadable.append((number, line_number, None, error))
            number += 1
        return rows, unreadable


def iter_context_rows(
    source: Any, format: str = "auto", *, with_text: bool = False, parse_json: bool = True, blocks: int = 0
) -> Iterator[Any]:
    """``(row number, line, data, error)`` for each row of a contexts source.

    ``source`` is a path (``-`` for stdin), a binary or text stream, or an
    iterable of mappings / SendContexts. A row that cannot be read carries an
    ``error`` and no data; reading goes on with the next row. A source that
    cannot be opened at all raises :class:`ContextError`. ``with_text`` adds
    a fifth item: the row's JSON text for JSON Lines, else None. With
    ``with_text``, ``parse_json=False`` leaves JSON Lines rows unparsed (data
    and error None): whoever takes the text reads it with :func:`parse_json_row`.
    With those two, ``blocks`` > 0 gives JSON Lines as :class:`LineBlock` items of
    that many lines, then more (:func:`block_size`), instead of one item per row (other formats: rows as before),
    so that a reader handing rows to other processes does not step through each one.
    """
    if format not in CONTEXT_FORMATS:
        raise ContextError(f"unknown contexts format {format!r}; choose one of: {', '.join(CONTEXT_FORMATS)}")
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        if name == "-":
            yield from _read_stream(sys.stdin.buffer, format, "<stdin>", with_text, parse_json, blocks)
            return
        path = Path(name)
        if path.is_dir():
            raise ContextError(f"contexts file {name}: is a directory")
        try:
            handle = open(path, "rb")
        except FileNotFoundError:
            raise ContextError(f"contexts file {name}: no such file") from None
        except OSError as exc:
            raise ContextError(f"contexts file {name}: cannot read ({exc.strerror or exc})") from None
        with handle:
            if format == "auto":
                suffix = path.suffix.lower()
                format = {
                    ".jsonl": "jsonl",
                    ".ndjson": "jsonl",
                    ".jsonlines": "jsonl",
                    ".csv": "csv",
                    ".tsv": "tsv",
                    ".json": "json",
                }.get(suffix, "auto")
            yield from _read_stream(handle, format, name, with_text, parse_json, blocks)
        return
    if isinstance(source, (io.IOBase,)) or hasattr(source, "read"):
        yield from _read_stream(source, format, getattr(source, "name", "<stream>"), with_text, parse_json, blocks)
        return
    if isinstance(source, Mapping):
        raise ContextError("contexts must be an iterable of rows (mappings), not a single mapping")
    try:
        iterator = iter(source)
    except TypeError:
        raise ContextError(f"contexts must be a path or an iterable of mappings, not {type(source).__name__}") from None
    for number, item in enumerate(iterator, 1):
        row: tuple[int, None, Mapping[Any, Any] | SendContext | None, str | None]
        if isinstance(item, (Mapping, SendContext)):
            row = (number, None, item, None)
        else:
            row = (number, None, None, f"expected a mapping, got {type(item).__name__}")
        yield (*row, None) if with_text else row


def _read_stream(
    stream: Any, format: str, name: str, with_text: bool = False, parse_json: bool = True, blocks: int = 0
) -> Iterator[Any]:
    if isinstance(stream, io.TextIOBase):
        text: Any = stream
        if format == "auto":
            format = "jsonl"
    else:
        if not hasattr(stream, "peek"):
            stream = io.BufferedReader(stream) if isinstance(stream, io.RawIOBase) else io.BufferedReader(_Raw(stream))
        if format == "auto":
            format = _sniff(stream)
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    try:
        if format == "jsonl":
            if blocks > 0 and with_text and not parse_json:
                yield from _jsonl_blocks(text, blocks)
            else:
                yield from _jsonl_rows(text, with_text, parse_json or not with_text)
        else:
            if format == "json":
                rows = _json_rows(text, name)
            else:
                rows = _csv_rows(text, "\t" if format == "tsv" else ",", name)
            if with_text:
                for row in rows:
                    yield (*row, None)
            else:
                yield from rows
    finally:
        if text is not stream:
            try:
                text.detach()
            except Exception:
                pass


class _Raw(io.RawIOBase):
    """A raw reader over any object with a binary ``read``."""

    def __init__(self, source: Any):
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        if isinstance(data, str):
            data = data.encode("utf-8")
        buffer[: len(data)] = data
        return len(data)


def _sniff(stream: Any) -> str:
    head = b""
    try:
        head = stream.peek(4096)[:4096]
    except Exception:
        return "jsonl"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        first_line = stripped.split(b"\n", 1)[0].strip()
        return "jsonl" if first_line.endswith(b"}") else "json"
    return "csv" if stripped else "jsonl"


def _describe(value: Any) -> str:
    return {
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "true/false",
        type(None): "null",
    }.get(type(value), type(value).__name__)


#: what json.loads decodes a str with, without raw_decode's Python frame around it
_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


#: what :func:`_one_object` gives for a line that is not one JSON object
_NOT_ONE_OBJECT: Any = object()


def _one_object(line: str) -> Any:
    """The object of a line that is one JSON object and then only JSON
    whitespace, decoded by json's scanner directly (one call, not the four of
    ``json.loads``); ``_NOT_ONE_OBJECT`` for any other line, or an error."""
    if line[:1] == "{":
        try:
            value, end = _scan_once(line, 0)
        except (StopIteration, ValueError):  # StopIteration: no value where it starts
            return _NOT_ONE_OBJECT
        rest = len(line) - end
        if not rest or (rest == 1 and line[end] == "\n") or not line[end:].strip(" \t\n\r"):
            return value
    return _NOT_ONE_OBJECT


try:  # twice as fast as json on a batch row (a line that is one object); where it is not installed, json reads it
    from orjson import loads as _quick_loads
except ImportError:  # pragma: no cover
    _quick_loads = None  # type: ignore[assignment]

#: every digit as 0, to find a run of digits in one search (see _long_numbers)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


def _long_numbers(lines: Sequence[str]) -> bool:
    """Whether any line holds 19 digits in a row: orjson reads an integer beyond
    64 bits (or below -2**63) as a float, json as the integer itself, so such
    a block is read by json. (Digits in a string count too: it only costs speed.)"""
    return _LONG_NUMBER in "".join(lines).encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZERO)


def _quick_object(line: str) -> Any:
    """:func:`_one_object`, decoded by orjson: ``_NOT_ONE_OBJECT`` for a line it
    cannot read as one object (json then reads it, for its value or message)."""
    try:
        value = _quick_loads(line)
    except Exception:  # orjson.JSONDecodeError, a lone surrogate, nesting beyond its limit
        return _NOT_ONE_OBJECT
    return value if value.__class__ is dict else _NOT_ONE_OBJECT


def _object_reader(lines: Sequence[str]) -> Callable[[str], Any]:
    """What reads a line of ``lines`` that is one JSON object: orjson, unless a
    line holds a long number (:func:`_long_numbers`) or orjson is not installed."""
    return _quick_object if _quick_loads is not None and not _long_numbers(lines) else _one_object


def _loads(line: str) -> Any:
    """``json.loads(line)``: a row that is one object is decoded by
    :func:`_object_reader`'s reader; any other, and any error, goes through
    ``json.loads`` for its usual value or message."""
    value = _object_reader((line,))(line)
    return value if value is not _NOT_ONE_OBJECT else json.loads(line)


def parse_json_row(line: str) -> tuple[Any, str | None]:
    """One JSON Lines row: its object and None, or None and why it cannot be read."""
    try:
        value = _loads(line)
    except RecursionError:
        return None, "invalid JSON: nested too deeply"
    except ValueError:
        return None, _json_error(line)
    if type(value) is dict:
        return value, None
    return None, f"expected a JSON object, got {_describe(value)}"


def _jsonl_rows(text: TextIO, with_text: bool = False, parse: bool = True) -> Iterator[Any]:
    loads = _loads
    number = 0
    for line_number, line in enumerate(text, 1):
        if not line.strip():
            continue
        number += 1
        if not parse:
            yield (number, line_number, None, None, line)
            continue
        row: tuple
        try:
            value = loads(line)
        except RecursionError:
            row = (number, line_number, None, "invalid JSON: nested too deeply")
        except ValueError:
            row = (number, line_number, None, _json_error(line))
        else:
            if type(value) is dict:
                row = (number, line_number, value, None)
            else:
                row = (number, line_number, None, f"expected a JSON object, got {_describe(value)}")
        yield (*row, line) if with_text else row


def block_size(index: int, size: int) -> int:
    """The rows of block ``index`` (from 0) when blocks start at ``size`` rows: two
    blocks of each size, doubling up to four times ``size``. The first blocks
    are small, so that every worker starts soon and a small file still makes
    several; later ones larger, so that a long file makes fewer hand-overs."""
    return min(size << (index // 2), size * 4)


def _jsonl_blocks(text: TextIO, size: int) -> Iterator[LineBlock]:
    """The lines of ``text`` in :class:`LineBlock` s of :func:`block_size` lines, the
    last one possibly short: lines and blank lines are counted in C, not one by one here."""
    number = 0
    line_number = 0
    for index in count():
        lines = list(islice(text, block_size(index, size)))
        if not lines:
            return
        # a blank line is one that strip() empties: all whitespace (isspace), or empty
        rows = len(lines) - sum(map(str.isspace, lines)) - lines.count("")
        yield LineBlock(number + 1, line_number + 1, lines, rows)
        number += rows
        line_number += len(lines)


def _json_error(line: str) -> str:
    try:
        json.loads(line.rstrip("\r\n"))
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            return f"invalid JSON: {exc.msg} at column {exc.colno}"
        return f"invalid JSON: {exc}"
    return "invalid JSON"


def _json_rows(text: TextIO, name: str) -> Iterator[RawRow]:
    """A JSON array of objects, or objects one after another, read in chunks."""
    decoder = json.JSONDecoder()
    buffer = ""
    position = 0
    line = 1
    eof = False
    number = 0
    in_array: bool | None = None

    def fill() -> bool:
        nonlocal buffer, position, eof
        if eof:
            return False
        chunk = text.read(_CHUNK)
        if not chunk:
            eof = True
            return False
        if position > _CHUNK:
            buffer = buffer[position:]
            position = 0
        buffer += chunk
        return True

    def skip(chars: str) -> None:
        nonlocal position, line
        while True:
            start = position
            while position < len(buffer) and buffer[position] in chars:
                position += 1
            line += buffer.count("\n", start, position)
            if position < len(buffer) or not fill():
                return

    fill()
    skip(" \t\r\n")
    if position < len(buffer) and buffer[position] == "[":
        in_array = True
        position += 1
    else:
        in_array = False
    while True:
        skip(" \t\r\n," if in_array else " \t\r\n")
        if position >= len(buffer):
            if in_array:
                number += 1
                yield number, line, None, f"{name} ends before the closing ']' of its JSON array"
            return
        if in_array and buffer[position] == "]":
            return
        while True:
            try:
                value, end = decoder.raw_decode(buffer, position)
            except RecursionError:
                number += 1
                yield number, line, None, "invalid JSON: nested too deeply"
                # go on after this value: find where its brackets close without parsing it
                depth, in_string, scanned = 0, False, 0
                while True:
                    scan = _bracket_scan_end(buffer, position + scanned, depth, in_string)
                    if isinstance(scan, int):
                        break
                    depth, in_string, scanned = scan[0], scan[1], scan[2] - position
                    if not fill():
                        return
                line += buffer.count("\n", position, scan)
                position = scan
                break
            except json.JSONDecodeError as exc:
                if fill():
                    continue
                number += 1
                bad_line = line + buffer.count("\n", position, exc.pos)
                yield number, bad_line, None, f"invalid JSON: {exc.msg}"
                # go on at the next line: one broken object should not hide the rest
                newline = buffer.find("\n", exc.pos)
                if newline < 0:
                    return
                line = bad_line + 1
                position = newline + 1
                break
            else:
                if end == len(buffer) and not eof and not isinstance(value, (dict, list)):
                    if fill():
                        continue
                number += 1
                start_line = line
                line += buffer.count("\n", position, end)
                position = end
                if type(value) is dict:
                    yield number, start_line, value, None
                else:
                    yield number, start_line, None, f"expected a JSON object, got {_describe(value)}"
                break


def _bracket_scan_end(buffer: str, start: int, depth: int, in_string: bool) -> int | tuple[int, bool, int]:
    """Where the JSON value whose scan began earlier (``depth`` brackets open,
    inside a string or not) ends in ``buffer``: the offset after its last
    closing bracket, or the state to resume from (depth, in a string, offset)
    once more text is read."""
    index = start
    length = len(buffer)
    while index < length:
        char = buffer[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth <= 0:
                return index + 1
        index += 1
    return depth, in_string, index


def _csv_rows(text: TextIO, delimiter: str, name: str) -> Iterator[RawRow]:
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ContextError(f"contexts file {name}: unreadable CSV header ({exc})") from None
    columns = [(column.strip(), tuple(column.strip().split("."))) for column in header]
    if not any(key for key, _ in columns):
        raise ContextError(f"contexts file {name}: the first line must name the columns (id, order.placed_at, ...)")
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield number, reader.line_num, None, f"unreadable CSV: {exc}"
            continue
        if not cells or all(not cell.strip() for cell in cells):
            continue
        number += 1
        if len(cells) > len(columns):
            yield number, reader.line_num, None, f"{len(cells)} cells but {len(columns)} column names"
            continue
        row: dict[str, Any] = {}
        for (key, parts), cell in zip(columns, cells):
            if not key or cell == "":
                continue
            target = row
            for part in parts[:-1]:
                nested = target.get(part)
                if not isinstance(nested, dict):
                    nested = target[part] = {}
                target = nested
            target[parts[-1]] = cell
        yield number, reader.line_num, row, None
