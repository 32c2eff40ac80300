"""A self-contained HTML report people look at: each email as it renders, with its findings.

Each email is shown in a sandboxed iframe (``srcdoc``, scripts off, remote
images off until the reader turns them on) with numbered markers on the
elements that have findings; the findings are listed beside it, and clicking
one scrolls to its marker. Where the contrast rules ran, the email can also be
seen as the failing client profiles paint it (``style-stripped`` drops the
``<style>`` blocks; every profile paints the elements with contrast findings in
the colours those findings carry in their ``data``): the writer runs no check.

Email content is untrusted. It never reaches the page as markup: it travels
as JSON inside a ``<script type="application/json">`` block with ``<``, ``>``
and ``&`` escaped, and is handed to the iframe's ``srcdoc`` by the page's one
script, which the page's Content-Security-Policy names by hash. The iframe's
sandbox allows no scripts, forms, popups or top navigation.
"""

from __future__ import annotations

import base64
import hashlib
import html as _html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from ..report import FileResult, Finding, Report
from .text import summary_line

_STYLE = """
*{box-sizing:border-box}body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f3f4f6}
header{padding:1rem 1.5rem;background:#111827;color:#fff}header h1{margin:0;font-size:1.2rem}
header p{margin:.3rem 0 0;white-space:pre-line;color:#d1d5db}
section.email{display:grid;grid-template-columns:minmax(0,1fr) 26rem;gap:1rem;padding:1rem 1.5rem;
border-bottom:1px solid #d1d5db}
section.email h2{grid-column:1/-1;margin:.2rem 0;font-size:1rem;word-break:break-all}
.toolbar{grid-column:1/-1;display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
.toolbar button{font:inherit;padding:.2rem .6rem;border:1px solid #9ca3af;border-radius:4px;background:#fff;cursor:pointer}
.toolbar button[aria-pressed=true]{background:#1f2937;color:#fff;border-color:#1f2937}
iframe{width:100%;min-height:30rem;border:1px solid #d1d5db;background:#fff}
ol.findings{list-style:none;margin:0;padding:0;max-height:80vh;overflow:auto}
ol.findings li{background:#fff;border:1px solid #e5e7eb;border-left:4px solid #9ca3af;border-radius:4px;
margin:0 0 .5rem;padding:.45rem .6rem;cursor:pointer}
ol.findings li.error{border-left-color:#b91c1c}ol.findings li.warning{border-left-color:#b45309}
ol.findings li.info{border-left-color:#1d4ed8}ol.findings li.active{outline:2px solid #2563eb}
.num{display:inline-block;min-width:1.5rem;padding:0 .3rem;margin-right:.35rem;border-radius:.75rem;background:#1f2937;
color:#fff;text-align:center;font-size:12px}.code{font-weight:600}.where{color:#6b7280;font-size:12px}
.help{color:#374151;font-style:italic}
code{display:block;margin-top:.3rem;font:12px ui-monospace,monospace;color:#374151;word-break:break-all}.unplaced{color:#6b7280;font-size:12px}
"""

# Runs in the report page only; the emails' own scripts never run.
_SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById('oopslint-data').textContent);
  var IMAGES_OFF = "img-src data:", IMAGES_ON = "img-src data: http: https:";
  function place(frame) {
    var doc = frame.contentDocument;
    if (!doc || !doc.body) { return; }
    frame.style.height = Math.max(480, doc.documentElement.scrollHeight + 20) + 'px';
    var marked = doc.querySelectorAll('[data-oopslint]');
    for (var i = 0; i < marked.length; i++) {
      var el = marked[i], rect = el.getBoundingClientRect();
      el.style.outline = '2px solid #dc2626';
      var ids = el.getAttribute('data-oopslint').split(' ');
      var badge = doc.createElement('span');
      badge.className = 'oopslint-marker';
      badge.setAttribute('data-for', ids.join(' '));
      badge.textContent = ids.join(',');
      badge.style.cssText = 'position:absolute;z-index:2147483647;left:' + Math.max(0, rect.left + doc.defaultView.scrollX - 8) +
        'px;top:' + Math.max(0, rect.top + doc.defaultView.scrollY - 8) + 'px;background:#dc2626;color:#fff;' +
        'font:bold 11px/16px sans-serif;padding:0 5px;border-radius:8px;pointer-events:none';
      doc.body.appendChild(badge);
    }
  }
  function show(index, variant, images) {
    var file = data.files[index], frame = document.getElementById('frame-' + index);
    frame.dataset.variant = variant; frame.dataset.images = images ? 'on' : 'off';
    frame.srcdoc = file.variants[variant].split('__OOPSLINT_IMAGES__').join(images ? IMAGES_ON : IMAGES_OFF);
  }
  document.querySelectorAll('iframe.preview').forEach(function (frame) {
    frame.addEventListener('load', function () { place(frame); });
    show(Number(frame.dataset.index), 'as-written', false);
  });
  document.querySelectorAll('button[data-variant]').forEach(function (button) {
    button.addEventListener('click', function () {
      var index = Number(button.dataset.index), frame = document.getElementById('frame-' + index);
      button.parentNode.querySelectorAll('button[data-variant]').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
      button.setAttribute('aria-pressed', 'true');
      show(index, button.dataset.variant, frame.dataset.images === 'on');
    });
  });
  document.querySelectorAll('button[data-images]').forEach(function (button) {
    button.addEventListener('click', function () {
      var index = Number(button.dataset.index), frame = document.getElementById('frame-' + index);
      var on = frame.dataset.images !== 'on';
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      show(index, frame.dataset.variant, on);
    });
  });
  document.querySelectorAll('ol.findings li').forEach(function (item) {
    item.addEventListener('click', function () {
      document.querySelectorAll('ol.findings li.active').forEach(function (a) { a.classList.remove('active'); });
      item.classList.add('active');
      var frame = document.getElementById('frame-' + item.dataset.index), doc = frame.contentDocument;
      var target = doc && doc.querySelector('[data-oopslint~="' + item.dataset.marker + '"]');
      if (target) {
        target.scrollIntoView({block: 'center'});
        target.style.outline = '4px solid #2563eb';
        frame.dataset.focused = item.dataset.marker;
      } else {
        frame.scrollIntoView({block: 'start'});
      }
    });
  });
})();
"""

_CSP_META = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; __OOPSLINT_IMAGES__; font-src data:\">"
_NOT_IN_BODY = frozenset({"html", "head", "style", "script", "title", "meta", "link", "base", "!doctype", "body"})
_TAG_START = re.compile(r"<([A-Za-z][A-Za-z0-9:-]*)")


def _script_hash() -> str:
    digest = hashlib.sha256(_SCRIPT.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _json_for_script(value: Any) -> str:
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _read_email(result: FileResult, sources: Mapping[str, str] | None) -> str | None:
    if sources and result.path in sources:
        return sources[result.path]
    path = Path(result.path)
    if result.input_error or not path.is_file():
        return None
    try:
        from ..email import Email

        return Email.parse(path).html
    except Exception:  # an unreadable file is reported by its own finding; the report still renders
        return None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for match in re.finditer(r"\r\n|\r|\n", text):
        starts.append(match.end())
    return starts


def _element_start(html: str, offset: int, body_start: int) -> int | None:
    """Where the tag of the element holding ``offset`` opens (a start tag in <body>)."""
    position = html.rfind("<", 0, offset + 1)
    while position >= body_start:
        match = _TAG_START.match(html, position)
        if match and match.group(1).lower() not in _NOT_IN_BODY:
            return position
        position = html.rfind("<", 0, position)
    return None


def _mark(html: str, findings: list[tuple[int, Finding]]) -> tuple[str, set[int]]:
    """The email with ``data-oopslint="N ..."`` on the elements findings point at."""
    starts = _line_starts(html)
    body = re.search(r"<body\b", html, re.I)
    body_start = body.end() if body else 0
    by_tag: dict[int, list[int]] = {}
    for number, finding in findings:
        if not finding.line or finding.line > len(starts):
            continue
        offset = min(len(html), starts[finding.line - 1] + max(0, (finding.column or 1) - 1))
        tag = _element_start(html, offset, body_start)
        if tag is not None:
            by_tag.setdefault(tag, []).append(number)
    out = html
    for position in sorted(by_tag, reverse=True):
        name = _TAG_START.match(out, position)
        assert name is not None
        insert = name.end()
        out = f'{out[:insert]} data-oopslint="{" ".join(map(str, by_tag[position]))}"{out[insert:]}'
    return out, {n for numbers in by_tag.values() for n in numbers}


def _with_policy(html: str) -> str:
    head = re.search(r"<head\b[^>]*>", html, re.I)
    if head:
        return html[: head.end()] + _CSP_META + html[head.end() :]
    return _CSP_META + html


def _painted(html: str, findings: list[tuple[int, Finding]], profile: str) -> str:
    """The marked email as ``profile`` paints the elements contrast findings name."""
    if profile == "style-stripped":
        html = re.sub(r"<style\b[^>]*>.*?</style\s*>", "", html, flags=re.I | re.S)
    rules = []
    for number, finding in findings:
        painted = (finding.data.get("profiles") or {}).get(profile) if isinstance(finding.data, Mapping) else None
        if not isinstance(painted, Mapping):
            continue
        color, background = str(painted.get("color", "")), str(painted.get("background", ""))
        if re.fullmatch(r"#[0-9a-fA-F]{3,8}", color) and re.fullmatch(r"#[0-9a-fA-F]{3,8}", background):
            rules.append(
                f'[data-oopslint~="{number}"]{{color:{color}!important;background-color:{background}!important}}'
            )
    if not rules:
        return html
    block = f"<style>{''.join(rules)}</style>"
    head = re.search(r"</head\s*>", html, re.I)
    return html[: head.start()] + block + html[head.start() :] if head else block + html


def _profiles(findings: list[Finding]) -> list[str]:
    seen: list[str] = []
    for finding in findings:
        data = finding.data if isinstance(finding.data, Mapping) else {}
        for profile in data.get("failing") or []:
            if isinstance(profile, str) and profile not in seen and re.fullmatch(r"[a-z-]{1,40}", profile):
                seen.append(profile)
    return seen


def write(report: Report, stream: TextIO, *, sources: Mapping[str, str] | None = None, **_: Any) -> None:
    """Write the report. ``sources`` maps a result's path to its HTML when it
    is not a readable file (stdin, an email linted from memory)."""
    esc = _html.escape
    files_data: list[dict[str, Any]] = []
    sections: list[str] = []
    for index, result in enumerate(report.files):
        numbered = list(enumerate(result.findings, start=1))
        email_html = _read_email(result, sources)
        placed: set[int] = set()
        variants: dict[str, str] = {}
        profiles = _profiles(result.findings)
        if email_html is not None:
            marked, placed = _mark(email_html, numbered)
            variants["as-written"] = _with_policy(marked)
            for profile in profiles:
                variants[profile] = _with_policy(_painted(marked, numbered, profile))
        files_data.append({"path": result.path, "variants": variants})
        out = [f'<section class="email" id="email-{index}"><h2>{esc(result.path)}</h2>']
        if variants:
            buttons = [
                f'<button type="button" data-index="{index}" data-variant="as-written" '
                f'aria-pressed="true">As written</button>'
            ]
            buttons += [
                f'<button type="button" data-index="{index}" data-variant="{esc(p)}" '
                f'aria-pressed="false">As {esc(p)} paints it</button>'
                for p in profiles
            ]
            buttons.append(
                f'<button type="button" data-index="{index}" data-images aria-pressed="false">'
                "Load remote images</button>"
            )
            out.append(f'<div class="toolbar">{"".join(buttons)}</div>')
            out.append(
                f'<iframe class="preview" id="frame-{index}" data-index="{index}" '
                f'sandbox="allow-same-origin" referrerpolicy="no-referrer" loading="lazy" '
                f'title="{esc(result.path)} as it renders"></iframe>'
            )
        else:
            out.append('<p class="unplaced">The email could not be shown; its findings are listed.</p>')
        out.append('<ol class="findings">')
        if not numbered:
            out.append("<li>No problems.</li>")
        for number, finding in numbered:
            level = str(finding.severity)
            where = f"line {finding.line}" if finding.line else "whole email"
            if finding.line and number not in placed:
                where += " (not a visible element)"
            help_ = f'<div class="help">{esc(finding.suggestion)}</div>' if finding.suggestion else ""
            if finding.snippet:
                help_ += f"<code>{esc(' '.join(finding.snippet.split())[:300])}</code>"
            out.append(
                f'<li class="{esc(level)}" data-index="{index}" data-marker="{number}" tabindex="0">'
                f'<span class="num">{number}</span><span class="code">{esc(finding.code)}</span> '
                f'{esc(finding.rule)} <span class="where">{esc(level)} · {esc(where)}</span>'
                f"<div>{esc(finding.message)}</div>{help_}</li>"
            )
        out.append("</ol></section>")
        sections.append("".join(out))
    csp = (
        f"default-src 'none'; script-src '{_script_hash()}'; style-src 'unsafe-inline'; "
        "img-src data: http: https:; font-src data:; base-uri 'none'; form-action 'none'"
    )
    stream.write(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>oopslint report</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>oopslint report</h1><p>{esc(summary_line(report))}</p></header>"
        + "".join(sections)
        + f'<script type="application/json" id="oopslint-data">{_json_for_script({"files": files_data})}</script>'
        + f"<script>{_SCRIPT}</script></body></html>\n"
    )
