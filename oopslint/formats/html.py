"""A self-contained HTML report, for sharing a lint result with people who do not read terminals."""

from __future__ import annotations

import html as _html
from typing import Any, TextIO

from ..report import Report
from .text import summary_line

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1b1b;background:#fff}
h1{font-size:1.3rem}h2{font-size:1.05rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
.error{color:#a40000;font-weight:600}.warning{color:#7a4d00;font-weight:600}.info{color:#00537a}
code{font:12px ui-monospace,monospace;background:#f4f4f4;padding:.1rem .25rem;border-radius:3px;white-space:pre-wrap;word-break:break-all}
"""


def write(report: Report, stream: TextIO, **_: Any) -> None:
    esc = _html.escape
    out = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oopslint report</title>",
        f"<style>{_STYLE}</style></head><body><h1>oopslint report</h1>",
        f"<p>{esc(summary_line(report)).replace(chr(10), '<br>')}</p>",
    ]
    for result in report.files:
        out.append(f"<h2>{esc(result.path)}</h2>")
        if not result.findings:
            out.append("<p>No problems.</p>")
            continue
        out.append("<table><tr><th>Line</th><th>Code</th><th>Level</th><th>Message</th></tr>")
        for f in result.findings:
            level = str(f.severity)
            snippet = f"<br><code>{esc(f.snippet.strip()[:300])}</code>" if f.snippet else ""
            help_ = f"<br><em>{esc(f.suggestion)}</em>" if f.suggestion else ""
            out.append(
                f"<tr><td>{f.line or ''}{':' + str(f.column) if f.line else ''}</td><td>{esc(f.code)}<br>"
                f"<small>{esc(f.rule)}</small></td><td class=\"{level}\">{level}</td>"
                f"<td>{esc(f.message)}{help_}{snippet}</td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>\n")
    stream.write("".join(out))
