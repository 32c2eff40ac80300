"""JSON output: the contract in ARCHITECTURE.md (``version``, ``files``, ``summary``)."""

from __future__ import annotations

from typing import Any, TextIO

from ..report import Report


def write(report: Report, stream: TextIO, **_: Any) -> None:
    stream.write(report.to_json())
    stream.write("\n")
