"""Loading an email: read a path, bytes, a string or a message into HTML text.

Private: :meth:`oopslint.email.Email.parse` is the public way in. A ``str`` is
always the email's content; a file is named by a :class:`pathlib.Path` (or any
``os.PathLike``). Bytes are decoded by BOM, declared charset, then UTF-8, and
what could not be decoded is counted, never guessed away.
"""

from __future__ import annotations

import email as _stdlib_email
import email.policy
import os
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

__all__ = ["InputError", "MAX_INPUT_BYTES"]

MAX_INPUT_BYTES = 50 * 1024 * 1024

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)


class InputError(Exception):
    """The input cannot be linted: missing, binary, empty, too large or unreadable."""


@dataclass
class _Source:
    html: str
    path: str | None = None
    kind: str = "html"
    headers: Message | None = None
    text_part: str | None = None
    line_offset: int = 0
    header_text: str = ""
    replaced_bytes: int = 0
    first_replaced: int | None = None
    encoding: str | None = None


def _is_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and controls / len(head) > 0.1


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _decode_html_bytes(data: bytes, declared: str | None = None) -> tuple[str, str, int, int | None]:
    """Decode by BOM, then the declared charset (MIME or <meta>), then UTF-8.

    Bytes that are invalid in the chosen encoding are replaced, counted and
    located, never guessed away: a file that says it is UTF-8 and is not will
    show mojibake to recipients too.
    """
    encoding = None
    body = data
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, body = name, data[len(bom):]
            break
    encoding = encoding or declared
    if not encoding:
        match = _CHARSET_RE.search(body[:4096])
        if match:
            encoding = match.group(1).decode("ascii", "replace")
    if encoding:
        try:
            "".encode(encoding)
        except LookupError:
            # an unknown charset label: let bs4's UnicodeDammit find one that works
            from bs4.dammit import UnicodeDammit

            dammit = UnicodeDammit(body, is_html=True)
            encoding = dammit.original_encoding or "utf-8"
    chosen = encoding or "utf-8"
    try:
        return body.decode(chosen), chosen, 0, None
    except UnicodeDecodeError:
        text = body.decode(chosen, errors="replace")
        return text, chosen, text.count("\ufffd"), text.find("\ufffd")


def _looks_like_eml(data: bytes) -> bool:
    head = data[:4096].lstrip()
    if head[:1] == b"<":
        return False
    header_block = head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    lines = header_block.splitlines()
    if not lines:
        return False
    names = [line.split(b":", 1)[0].strip().lower() for line in lines if b":" in line and line[:1] not in b" \t"]
    return bool(names) and (b"content-type" in names or b"mime-version" in names) and re.match(rb"^[A-Za-z0-9-]+:", lines[0]) is not None


def _from_message(msg: Message, raw: bytes | None, path: str | None) -> _Source:
    html_part = None
    text_part = None
    if isinstance(msg, EmailMessage):
        html_part = msg.get_body(preferencelist=("html",))
        text_body = msg.get_body(preferencelist=("plain",))
        if text_body is not None:
            text_part = text_body.get_content()
    else:
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype == "text/html" and html_part is None:
                html_part = part
            elif ctype == "text/plain" and text_part is None:
                payload = part.get_payload(decode=True) or b""
                text_part = payload.decode(part.get_content_charset() or "utf-8", "replace")
    html = ""
    replaced = 0
    first = None
    line_offset = 0
    if html_part is not None:
        payload = html_part.get_payload(decode=True) or b""
        html, _, replaced, first = _decode_html_bytes(payload, html_part.get_content_charset())
        cte = (html_part.get("Content-Transfer-Encoding") or "7bit").lower()
        if raw is not None and cte in ("7bit", "8bit", "binary") and payload:
            probe = payload[:200]
            where = raw.find(probe)
            if where >= 0:
                line_offset = raw.count(b"\n", 0, where)
    header_text = ""
    if raw is not None:
        split = re.search(rb"\r?\n\r?\n", raw)
        header_text = raw[: split.start() if split else len(raw)].decode("utf-8", "replace")
    return _Source(
        html=html,
        path=path,
        kind="eml",
        headers=msg,
        text_part=text_part,
        line_offset=line_offset,
        header_text=header_text,
        replaced_bytes=replaced,
        first_replaced=first,
    )


def _load(source: Any, path: str | None) -> _Source:
    if isinstance(source, Message):
        return _from_message(source, None, path)
    if isinstance(source, os.PathLike) or (isinstance(source, str) and path is None and _is_path_like(source)):
        file_path = Path(source)
        try:
            size = file_path.stat().st_size
        except FileNotFoundError:
            raise InputError(f"{file_path}: no such file") from None
        except OSError as exc:
            raise InputError(f"{file_path}: cannot read ({exc.strerror or exc})") from None
        if file_path.is_dir():
            raise InputError(f"{file_path}: is a directory")
        if size > MAX_INPUT_BYTES:
            raise InputError(
                f"{file_path}: {size / 1048576:.1f} MB is over the {MAX_INPUT_BYTES // 1048576} MB input limit"
            )
        try:
            data = file_path.read_bytes()
        except OSError as exc:
            raise InputError(f"{file_path}: cannot read ({exc.strerror or exc})") from None
        return _from_bytes(data, str(file_path), file_path.suffix.lower() == ".eml")
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(source), path, bool(path and path.lower().endswith(".eml")))
    if isinstance(source, str):
        if len(source) > MAX_INPUT_BYTES:
            raise InputError(f"{path or '<string>'}: input is over the {MAX_INPUT_BYTES // 1048576} MB limit")
        if path and path.lower().endswith(".eml") or _looks_like_eml(source[:4096].encode("utf-8", "replace")):
            return _from_bytes(source.encode("utf-8", "surrogateescape"), path, True)
        return _Source(html=source.lstrip("\ufeff"), path=path)
    raise InputError(f"cannot lint an object of type {type(source).__name__}")


def _is_path_like(value: str) -> bool:
    if "<" in value or "\n" in value or len(value) > 4096:
        return False
    return value.lower().endswith((".html", ".htm", ".eml", ".hbs", ".liquid", ".j2", ".jinja", ".mustache", ".txt", ".tpl", ".twig", ".njk", ".xhtml")) or os.path.exists(value)


def _from_bytes(data: bytes, path: str | None, is_eml: bool) -> _Source:
    name = path or "<input>"
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{name}: input is over the {MAX_INPUT_BYTES // 1048576} MB limit")
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    if _is_binary(data):
        raise InputError(f"{name}: looks like a binary file, not HTML or an email")
    if is_eml or _looks_like_eml(data):
        msg = _stdlib_email.message_from_bytes(data, policy=email.policy.default)
        src = _from_message(msg, data, path)
        if not src.html.strip() and msg.get_content_type() != "text/html":
            raise InputError(f"{name}: the message has no text/html part")
        return src
    html, encoding, replaced, first = _decode_html_bytes(data)
    return _Source(html=html, path=path, replaced_bytes=replaced, first_replaced=first, encoding=encoding)
