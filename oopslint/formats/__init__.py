"""Report writers, one module per format. Each exposes ``write(report, stream, **options)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from .._redact import redact_report
from ..report import Report

FORMATS = ("text", "json", "github", "sarif", "html", "junit", "gitlab", "markdown")


def get_writer(name: str) -> Callable[..., None]:
    """The ``write(report, stream, **options)`` function of a format. Every
    writer is handed a redacted copy of the report: no secret reaches output."""
    write = _format_writer(name)

    def write_redacted(report: Report, stream: TextIO, **options: Any) -> None:
        write(redact_report(report), stream, **options)

    return write_redacted


def _format_writer(name: str) -> Callable[..., None]:
    if name == "text":
        from .text import write
    elif name == "json":
        from .json import write
    elif name == "github":
        from .github import write
    elif name == "sarif":
        from .sarif import write
    elif name == "html":
        from .html import write
    elif name == "junit":
        from .junit import write
    elif name == "gitlab":
        from .gitlab import write
    elif name == "markdown":
        from .markdown import write
    else:
        raise ValueError(f"unknown format {name!r}; choose one of: {', '.join(FORMATS)}")
    return write
