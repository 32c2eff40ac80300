"""Loading an email: read a path, bytes, a string or a message into HTML text.

Private: :meth:`oopslint.email.Email.parse` is the public way in. A ``str`` is
always the email's content; a file is named by a :class:`pathlib.Path` (or any
``os.PathLike``). Bytes are decoded by BOM, declared charset, then UTF-8, and
what could not be decoded is counted, never guessed away.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.message import Message

# The email package (some 15 modules, with socket and random) is imported only
# for messages: in the functions below that read them, never for HTML input.

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
    #: what went wrong undoing a part's transfer encoding (invalid base64 or
    #: quoted-printable), one sentence each; the engine reports them
    decoding_defects: list[str] = field(default_factory=list)


# bytes below 9 and from 14 to 31: text never holds many of them
_CONTROL_BYTES = bytes(range(9)) + bytes(range(14, 32))


def _is_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return _sniff_utf16(data) is None
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return bool(head) and controls / len(head) > 0.1


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte order mark: markup is mostly ASCII, so every
    other byte is zero, on the odd side for little endian, the even side for
    big endian. Returns the codec name, or None for anything else."""
    head = data[:8192]
    if b"\x00" not in head:
        return None
    head = head[: len(head) - len(head) % 2]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even_zeros = head[0::2].count(0)
    odd_zeros = head[1::2].count(0)
    for codec, zeros, other in (("utf-16-le", odd_zeros, even_zeros), ("utf-16-be", even_zeros, odd_zeros)):
        if zeros >= pairs * 0.3 and other <= pairs * 0.01:
            try:
                text = head.decode(codec)
            except UnicodeDecodeError:
                # the sample may end inside a surrogate pair
                try:
                    text = head[:-2].decode(codec)
                except UnicodeDecodeError:
                    continue
            controls = sum(1 for ch in text if ord(ch) < 9 or 13 < ord(ch) < 32)
            if controls <= len(text) * 0.01:
                return codec
    return None


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
            encoding, body = name, data[len(bom) :]
            break
    encoding = encoding or declared or _sniff_utf16(body)
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
    return (
        bool(names)
        and (b"content-type" in names or b"mime-version" in names)
        and re.match(rb"^[A-Za-z0-9-]+:", lines[0]) is not None
    )


#: MIME parts nested deeper than this are refused: no real email comes close,
#: and the standard library parses and walks messages recursively.
MAX_MIME_DEPTH = 100

_QP_BAD_ESCAPE_RE = re.compile(r"=(?![0-9A-Fa-f]{2}|[ \t]*(?:\r?\n|\Z))")


_BOUNDARY_OR_CLOSE_RE = re.compile(
    rb"""boundary\s*=\s*(?:"(?P<quoted>[^"\r\n]+)"|(?P<bare>[^\s;"]+))|^--(?P<close>[^\r\n]+?)--[ \t]*\r?$""",
    re.I | re.M,
)


def _raw_mime_depth_exceeds(data: bytes) -> bool:
    """Whether multipart boundaries in the raw message open more than
    ``MAX_MIME_DEPTH`` levels before they close. Checked before parsing: the
    standard parser is slow (quadratic) and recursive on deep nesting."""
    stack: list[bytes] = []
    open_counts: dict[bytes, int] = {}
    for match in _BOUNDARY_OR_CLOSE_RE.finditer(data):
        closed = match.group("close")
        if closed is None:
            boundary = match.group("quoted") or match.group("bare")
            stack.append(boundary)
            open_counts[boundary] = open_counts.get(boundary, 0) + 1
            if len(stack) > MAX_MIME_DEPTH:
                return True
        elif open_counts.get(closed):
            while stack:
                top = stack.pop()
                open_counts[top] -= 1
                if top == closed:
                    break
    return False


def _mime_depth(msg: Message) -> int:
    """How deep the message's parts nest, counted without recursion; stops
    counting past ``MAX_MIME_DEPTH``."""
    from email.message import Message

    deepest = 0
    stack: list[tuple[Message, int]] = [(msg, 1)]
    while stack:
        part, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_MIME_DEPTH:
            break
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((child, depth + 1) for child in payload if isinstance(child, Message))
    return deepest


def _html_payload(part: Message, name: str) -> tuple[bytes, str, list[str]]:
    """The HTML part's bytes with its transfer encoding undone, the encoding's
    name, and the defects found doing it. A base64 body that cannot be decoded
    at all is an InputError: linting the encoded text would check nothing."""
    import email.errors

    base64_defects = (
        email.errors.InvalidBase64CharactersDefect,
        email.errors.InvalidBase64PaddingDefect,
        email.errors.InvalidBase64LengthDefect,
    )
    cte = str(part.get("Content-Transfer-Encoding") or "7bit").strip().lower()
    known_defects = len(part.defects)
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = b""
    found = [d for d in part.defects[known_defects:] if isinstance(d, base64_defects)]
    del part.defects[known_defects:]
    defects: list[str] = []
    if cte == "base64" and found:
        if any(isinstance(d, email.errors.InvalidBase64LengthDefect) for d in found):
            raise InputError(f"{name}: the text/html part is not valid base64 (Content-Transfer-Encoding: base64)")
        problems = sorted(
            {
                "characters outside the base64 alphabet"
                if isinstance(d, email.errors.InvalidBase64CharactersDefect)
                else "wrong padding"
                for d in found
            }
        )
        defects.append(
            f"the text/html part is not valid base64 ({' and '.join(problems)}); "
            "what could be decoded was linted, and mail clients may show it differently"
        )
    elif cte == "quoted-printable":
        raw = part.get_payload(decode=False)
        raw_text = raw if isinstance(raw, str) else ""
        bad = _QP_BAD_ESCAPE_RE.findall(raw_text)
        if bad:
            first = _QP_BAD_ESCAPE_RE.search(raw_text)
            assert first is not None
            sample = raw_text[first.start() : first.start() + 3]
            defects.append(
                f"the text/html part is not valid quoted-printable: {len(bad)} '=' not followed by two "
                f"hex digits (first {sample!r}); mail clients show them as typed or drop them"
            )
    return payload, cte, defects


def _text_of(part: Message) -> str:
    """A text/plain part as text; an unknown charset label falls back to UTF-8."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _from_message(msg: Message, raw: bytes | None, path: str | None) -> _Source:
    from email.message import EmailMessage

    name = path or "<input>"
    if _mime_depth(msg) > MAX_MIME_DEPTH:
        raise InputError(f"{name}: MIME parts are nested more than {MAX_MIME_DEPTH} levels deep")
    html_part: Message | None = None
    text_part: str | None = None
    if isinstance(msg, EmailMessage):
        html_part = msg.get_body(preferencelist=("html",))
        text_body = msg.get_body(preferencelist=("plain",))
        if text_body is not None:
            text_part = _text_of(text_body)
    else:
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype == "text/html" and html_part is None:
                html_part = part
            elif ctype == "text/plain" and text_part is None:
                text_part = _text_of(part)
    if html_part is None:
        raise InputError(f"{name}: the message has no text/html part")
    payload, cte, defects = _html_payload(html_part, name)
    charset = html_part.get_content_charset()
    html, _, replaced, first = _decode_html_bytes(payload, charset)
    if cte == "base64" and defects and replaced:
        # the "base64" was never base64 (HTML labelled base64, say): what came out is noise
        raise InputError(f"{name}: the text/html part is not valid base64 (Content-Transfer-Encoding: base64)")
    if not html.strip():
        raise InputError(f"{name}: the text/html part is empty")
    line_offset = 0
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
        decoding_defects=defects,
    )


def _load(source: Any, path: str | None) -> _Source:
    """Read an email. A ``str`` is always the email's content, never a file
    name: files come as ``pathlib.Path`` (or any ``os.PathLike``)."""
    message_module = sys.modules.get("email.message")  # a Message exists only once its module is imported
    if message_module is not None and isinstance(source, message_module.Message):
        return _from_message(source, None, path)
    if isinstance(source, os.PathLike):
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
        name = path or "<input>"
        if len(source) > MAX_INPUT_BYTES:
            raise InputError(f"{name}: input is over the {MAX_INPUT_BYTES // 1048576} MB limit")
        if not source.strip():
            raise InputError(f"{name}: input is empty")
        if path and path.lower().endswith(".eml") or _looks_like_eml(source[:4096].encode("utf-8", "replace")):
            return _from_bytes(source.encode("utf-8", "surrogateescape"), path, True)
        return _Source(html=source.lstrip("\ufeff"), path=path)
    raise InputError(f"cannot lint an object of type {type(source).__name__}")


_parse_once_policy_class: type | None = None


def _new_parse_once_policy() -> Any:
    """A new ``_ParseOncePolicy``: the class is made, and email.policy imported, on first use."""
    global _parse_once_policy_class
    policy_class = _parse_once_policy_class
    if policy_class is None:
        policy_class = _parse_once_policy_class = _parse_once_policy_type()
    return policy_class()


def _parse_once_policy_type() -> type:
    import email.policy

    class _ParseOncePolicy(email.policy.EmailPolicy):
        """``email.policy.default`` that parses each header value once per message.

        The standard library parses a header again on every read, and reading a
        message (``get_body``, ``get_content_type``, ``is_attachment``) reads each
        part's Content-Type and Content-Disposition many times; the header objects
        it makes are immutable, so one per (name, value) serves every read."""

        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            object.__setattr__(self, "_parsed", {})

        def header_fetch_parse(self, name: str, value: str) -> Any:
            if hasattr(value, "name"):
                return value
            parsed: dict[tuple[str, str], Any] = self._parsed  # type: ignore[attr-defined]
            key = (name, value)
            header = parsed.get(key)
            if header is None:
                header = parsed[key] = super().header_fetch_parse(name, value)
            return header

    return _ParseOncePolicy


def _from_bytes(data: bytes, path: str | None, is_eml: bool) -> _Source:
    name = path or "<input>"
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{name}: input is over the {MAX_INPUT_BYTES // 1048576} MB limit")
    if not data.strip():
        raise InputError(f"{name}: {'file' if path else 'input'} is empty")
    if _is_binary(data):
        raise InputError(f"{name}: looks like a binary file, not HTML or an email")
    if is_eml or _looks_like_eml(data):
        if _raw_mime_depth_exceeds(data):
            raise InputError(f"{name}: MIME parts are nested more than {MAX_MIME_DEPTH} levels deep")
        try:
            import email

            msg = email.message_from_bytes(data, policy=_new_parse_once_policy())
        except RecursionError:
            raise InputError(f"{name}: MIME parts are nested more than {MAX_MIME_DEPTH} levels deep") from None
        return _from_message(msg, data, path)
    html, encoding, replaced, first = _decode_html_bytes(data)
    return _Source(html=html, path=path, replaced_bytes=replaced, first_replaced=first, encoding=encoding)
