"""Report writers, one module per format. Each exposes ``write(report, stream, **options)``."""

from __future__ import annotations

from typing import Callable

FORMATS = ("text", "json", "github", "sarif", "html")


def get_writer(name: str) -> Callable[..., None]:
    """The ``write(report, stream, **options)`` function of a format."""
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
    else:
        raise ValueError(f"unknown format {name!r}; choose one of: {', '.join(FORMATS)}")
    return write
