"""What the send pipeline does with wrong arguments and hostile emails: every
mistake is an error a caller sees, never a silent pass."""

from __future__ import annotations

import asyncio
import base64
import quopri
from email.message import EmailMessage, Message
from pathlib import Path

import pytest

import oopslint
from oopslint import ConfigError, Email, Linter, PreflightError
from oopslint.batch import lint_batch


@pytest.fixture
def receipt(corpus) -> str:
    """A real template: in rendered mode its leftover merge tags are TPL001."""
    return (corpus / "postmark" / "receipt.source.html").read_text(encoding="utf-8")


@pytest.fixture
def clean_html(corpus) -> str:
    return (corpus / "leemunroe" / "email.inlined.html").read_text(encoding="utf-8")


def codes(report) -> set[str]:
    return {finding.code for finding in report.findings}


# ------------------------------------------------------------- enumerated arguments


@pytest.mark.parametrize("mode", ["render", "Rendered", "", "templates"])
def test_an_unknown_mode_is_a_config_error_naming_the_modes(receipt, mode):
    for call in (oopslint.lint, oopslint.preflight):
        with pytest.raises(ConfigError) as raised:
            call(receipt, mode=mode, offline=True)
        assert "template" in str(raised.value) and "rendered" in str(raised.value)
    with pytest.raises(ConfigError, match="rendered"):
        asyncio.run(oopslint.alint(receipt, mode=mode, offline=True))
    with pytest.raises(ConfigError, match="rendered"):
        Linter(mode=mode)
    with pytest.raises(ConfigError, match="rendered"):
        lint_batch(receipt, [{}], mode=mode, offline=True)


@pytest.mark.parametrize("level", ["fatal", "errors", "", 3])
def test_an_unknown_fail_on_is_a_config_error_naming_the_levels(receipt, level):
    with pytest.raises(ConfigError) as raised:
        oopslint.preflight(receipt, fail_on=level, offline=True)
    assert "error, warning or info" in str(raised.value)
    with pytest.raises(ConfigError, match="error, warning or info"):
        lint_batch(receipt, [{}], fail_on=level, offline=True)


def test_batch_arguments_are_checked_before_any_row_is_read(receipt):
    with pytest.raises(ConfigError, match="jsonl"):
        lint_batch(receipt, [{}], contexts_format="ndjson", offline=True)
    for jobs in (0, "many", 1.5):
        with pytest.raises(ConfigError, match="auto"):
            lint_batch(receipt, [{}], jobs=jobs, offline=True)
    with pytest.raises(ConfigError, match="sample_size"):
        lint_batch(receipt, [{}], sample_size=0, offline=True)


def test_an_unknown_dialect_is_a_config_error_naming_the_dialects(receipt):
    with pytest.raises(ConfigError) as raised:
        Linter(dialects=["nope"])
    assert "'nope'" in str(raised.value) and "liquid" in str(raised.value)
    with pytest.raises(ConfigError, match="liquid"):
        Linter(dialects="nope")
    with pytest.raises(ConfigError, match="liquid"):
        Email.parse(receipt, dialects=["nope"])


def test_a_known_mode_still_lints(receipt):
    assert "TPL001" in codes(oopslint.lint(receipt, mode="rendered", offline=True))
    with pytest.raises(PreflightError):
        oopslint.preflight(receipt, mode="rendered", fail_on="ERROR", offline=True)


def test_cli_unknown_dialect_is_a_usage_error(cli, corpus):
    result = cli("check", str(corpus / "postmark" / "receipt.source.html"), "--offline", "--dialect", "nope")
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "usage:" in err and "--dialect" in err and "'nope'" in err
    assert "internal error" not in err


# ------------------------------------------------------------- a str is content


def test_a_str_is_always_the_content_never_a_file_name(receipt, tmp_path):
    template = tmp_path / "receipt.html"
    template.write_text(receipt, encoding="utf-8")
    assert "TPL001" in codes(oopslint.lint(template, mode="rendered", offline=True))
    # the same name as a str is the (harmless) text of an email, not the file
    as_text = oopslint.lint(str(template), mode="rendered", offline=True)
    assert "TPL001" not in codes(as_text) and "OOPS004" not in codes(as_text)
    assert oopslint.preflight(str(template), mode="rendered", offline=True).ok
    assert "TPL001" not in codes(Linter(mode="rendered", offline=True).lint(str(template)))
    assert "TPL001" not in codes(asyncio.run(oopslint.alint(str(template), mode="rendered", offline=True)))
    batch = lint_batch(str(template), [{}], mode="rendered", offline=True)
    assert "TPL001" not in codes(batch) and "OOPS004" not in codes(batch)
    assert "TPL001" in codes(lint_batch(template, [{}], mode="rendered", offline=True))


def test_a_system_file_named_by_a_str_is_not_read(tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    report = oopslint.lint(str(secret), offline=True)
    assert "root:x:0:0" not in report.to_json()


def test_a_body_ending_in_dot_html_is_content_not_a_missing_file():
    report = oopslint.lint("Thanks for your order. Your receipt is attached as receipt.html", offline=True)
    assert "OOPS004" not in codes(report)
    assert "no such file" not in report.to_json()


def test_an_empty_str_is_unreadable_input():
    with pytest.raises(PreflightError) as raised:
        oopslint.preflight("  \n", offline=True)
    assert [f.code for f in raised.value.report.findings] == ["OOPS004"]
    assert "empty" in raised.value.report.findings[0].message


# ------------------------------------------------------------- .eml transfer encodings


def _eml(html: str, cte: str, body: bytes | None = None) -> bytes:
    if body is None:
        raw = html.encode("utf-8")
        if cte == "base64":
            body = base64.encodebytes(raw)
        elif cte == "quoted-printable":
            body = quopri.encodestring(raw)
        else:
            body = raw
    head = (
        "From: Acme <hello@example.com>\r\nTo: ada@example.com\r\nSubject: Your receipt\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: {cte}\r\n\r\n"
    ).encode("ascii")
    return head + body


@pytest.mark.parametrize("cte", ["base64", "quoted-printable", "8bit"])
def test_a_well_encoded_html_part_is_decoded_and_linted(tmp_path, receipt, cte):
    path = tmp_path / "receipt.eml"
    path.write_bytes(_eml(receipt, cte))
    report = oopslint.lint(path, mode="rendered", offline=True)
    assert "TPL001" in codes(report)
    assert not codes(report) & {"OOPS003", "OOPS004"}


def test_html_labelled_base64_is_not_linted_as_its_encoded_text(tmp_path, receipt):
    path = tmp_path / "receipt.eml"
    path.write_bytes(_eml(receipt, "base64", body=receipt.encode("utf-8")))
    report = oopslint.lint(path, offline=True)
    (finding,) = report.findings
    assert finding.code == "OOPS004"
    assert "not valid base64" in finding.message
    assert not report.ok


def test_base64_with_stray_characters_is_a_decoding_defect(tmp_path, receipt):
    lines = base64.encodebytes(receipt.encode("utf-8")).splitlines(keepends=True)
    lines[3] = lines[3][:10] + b"!*" + lines[3][10:]
    path = tmp_path / "receipt.eml"
    path.write_bytes(_eml(receipt, "base64", body=b"".join(lines)))
    report = oopslint.lint(path, mode="rendered", offline=True)
    defects = [f for f in report.findings if f.code == "OOPS003"]
    assert len(defects) == 1 and "not valid base64" in defects[0].message
    assert "TPL001" in codes(report)  # what RFC 2045 decoders recover is still linted


def test_broken_quoted_printable_is_a_decoding_defect(tmp_path, receipt):
    body = quopri.encodestring(receipt.encode("utf-8")).replace(b"</title>", b"</ti=ZZtle>", 1)
    path = tmp_path / "receipt.eml"
    path.write_bytes(_eml(receipt, "quoted-printable", body=body))
    report = oopslint.lint(path, mode="rendered", offline=True)
    defects = [f for f in report.findings if f.code == "OOPS003"]
    assert len(defects) == 1
    assert "quoted-printable" in defects[0].message and "'=ZZ'" in defects[0].message


def test_quoted_printable_with_raw_8bit_bytes_is_still_checked(tmp_path, receipt):
    body = quopri.encodestring(receipt.encode("utf-8")).replace(b"</title>", "</title>caf\u00e9 =ZZ".encode("utf-8"), 1)
    path = tmp_path / "receipt.eml"
    path.write_bytes(_eml(receipt, "quoted-printable", body=body))
    report = oopslint.lint(path, mode="rendered", offline=True)
    assert "OOPS001" not in codes(report) and "TPL001" in codes(report)
    assert [f for f in report.findings if f.code == "OOPS003" and "'=ZZ'" in f.message]


def test_a_text_part_with_an_unknown_charset_label_is_read(tmp_path, receipt):
    message = (
        "From: Acme <hello@example.com>\r\nSubject: Your receipt\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\n'
        "Content-Type: text/plain; charset=utc-8\r\n\r\nYour receipt\r\n--alt\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n" + receipt + "\r\n--alt--\r\n"
    )
    path = tmp_path / "receipt.eml"
    path.write_text(message, encoding="utf-8")
    report = oopslint.lint(path, mode="rendered", offline=True)
    assert "TPL001" in codes(report) and not codes(report) & {"OOPS001", "OOPS004"}


def test_soft_line_breaks_and_lowercase_hex_are_valid_quoted_printable(tmp_path, clean_html):
    body = quopri.encodestring(clean_html.encode("utf-8")).replace(b"=3D", b"=3d")
    assert b"=\n" in body
    path = tmp_path / "welcome.eml"
    path.write_bytes(_eml(clean_html, "quoted-printable", body=body))
    assert "OOPS003" not in codes(oopslint.lint(path, offline=True))


@pytest.mark.parametrize("body", [b"", b"\r\n  \r\n"])
def test_an_empty_html_part_is_unreadable_input(tmp_path, body):
    path = tmp_path / "empty.eml"
    path.write_bytes(_eml("", "7bit", body=body))
    report = oopslint.lint(path, offline=True)
    assert [f.code for f in report.findings] == ["OOPS004"]
    assert "text/html part is empty" in report.findings[0].message
    with pytest.raises(PreflightError):
        oopslint.preflight(path, offline=True)


def test_an_email_message_without_html_is_unreadable_input():
    message = EmailMessage()
    message["Subject"] = "Hello"
    message.set_content("plain text only")
    report = oopslint.lint(message, offline=True)
    assert [f.code for f in report.findings] == ["OOPS004"]
    assert "no text/html part" in report.findings[0].message


def _deep_multipart(depth: int, html: str) -> bytes:
    lines = ["From: a@example.com", "To: b@example.com", "Subject: Nested", "MIME-Version: 1.0"]
    for level in range(depth):
        lines += [f'Content-Type: multipart/mixed; boundary="b{level}"', "", f"--b{level}"]
    lines += ["Content-Type: text/html; charset=utf-8", "", html]
    for level in reversed(range(depth)):
        lines += [f"--b{level}--"]
    return "\r\n".join(lines).encode("utf-8")


def test_a_3000_deep_multipart_is_a_finding_and_other_files_still_report(tmp_path, receipt, cli):
    deep = tmp_path / "deep.eml"
    deep.write_bytes(_deep_multipart(3000, "<p>hi</p>"))
    other = tmp_path / "receipt.html"
    other.write_text(receipt, encoding="utf-8")
    report = oopslint.lint(deep, offline=True)
    assert [f.code for f in report.findings] == ["OOPS004"]
    assert "nested more than 100 levels" in report.findings[0].message
    both = Linter(mode="rendered", offline=True).lint_paths([str(deep), str(other)])
    by_path = {result.path: {f.code for f in result.findings} for result in both.files}
    assert by_path[str(deep)] == {"OOPS004"}
    assert "TPL001" in by_path[str(other)]
    result = cli("check", "--offline", "--rendered", str(deep), str(other))
    out = result.stdout.decode()
    assert result.returncode == 2
    assert "internal error" not in result.stderr.decode()
    assert "OOPS004" in out and "TPL001" in out


def test_a_shallow_multipart_still_lints(tmp_path, receipt):
    path = tmp_path / "nested.eml"
    path.write_bytes(_deep_multipart(20, receipt))
    assert "TPL001" in codes(oopslint.lint(path, mode="rendered", offline=True))


def test_a_deep_email_message_object_raises_no_recursion_error():
    message = EmailMessage()
    message.set_content("<p>hi</p>", subtype="html")
    for level in range(3000):
        outer = Message()
        outer["Content-Type"] = f'multipart/mixed; boundary="b{level}"'
        outer.set_payload([message])
        message = outer
    report = oopslint.lint(message, offline=True)
    assert [f.code for f in report.findings] == ["OOPS004"]


# ------------------------------------------------------------- UTF-16 without a BOM


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected_not_called_binary(tmp_path, receipt, codec):
    path = tmp_path / "receipt.html"
    path.write_bytes(receipt.encode(codec))
    report = oopslint.lint(path, mode="rendered", offline=True)
    assert "OOPS004" not in codes(report) and "OOPS003" not in codes(report)
    as_utf8 = oopslint.lint(receipt, mode="rendered", offline=True)
    assert [(f.code, f.line) for f in report.findings] == [(f.code, f.line) for f in as_utf8.findings]


def test_real_binary_is_still_refused(tmp_path):
    path = tmp_path / "logo.html"
    path.write_bytes(bytes(range(256)) * 40)
    report = oopslint.lint(path, offline=True)
    assert [f.code for f in report.findings] == ["OOPS004"]
    assert "binary" in report.findings[0].message


def test_readme_examples_name_files_with_paths_not_strs():
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    calls = re.findall(r"""(?:lint|alint|preflight|lint_batch)\(\s*(['"][^'"<]*\.(?:html|eml)['"])""", readme)
    assert calls == []
    assert "a `str` is always the email's content" in readme
