"""Findings the engine itself reports (not rules): crashes, unused
suppressions, undecodable bytes, unreadable input. Their codes start with
``OOPS`` and can be selected, ignored and re-levelled like rule codes."""

from __future__ import annotations

from dataclasses import dataclass

from .report import Severity


@dataclass(frozen=True)
class EngineCode:
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str

    def explain(self) -> str:
        return (
            f"{self.code} {self.name}\n\n{self.summary}\n\nDefault severity: {self.severity}\n"
            f"Reported by the engine, not by a rule.\n\n{self.doc}\n"
        )


INTERNAL_ERROR = EngineCode(
    "OOPS001",
    "internal-error",
    Severity.ERROR,
    "A rule crashed while checking this email.",
    "What it does: when a rule raises, the engine reports the crash as this finding,\n"
    "names the rule, and lets every other rule report as usual. The exit code is 2.\n\n"
    "Why it matters: a crashed rule checked nothing; a silent pass would hide that.\n"
    "Report it to the rule's author with the email that triggered it.",
)
UNUSED_SUPPRESSION = EngineCode(
    "OOPS002",
    "unused-suppression",
    Severity.INFO,
    "An oopslint-disable comment suppressed nothing.",
    "What it does: reports `<!-- oopslint-disable ... -->` comments that matched no\n"
    "finding.\n\nWhy it matters: stale suppressions hide the next real problem.\n\n"
    'Example:\n    <!-- oopslint-disable-next-line TPL003 -->\n    <img src="logo.png" alt="Acme">\n\n'
    "Use instead: remove the comment.",
)
UNDECODABLE_BYTES = EngineCode(
    "OOPS003",
    "undecodable-bytes",
    Severity.WARNING,
    "Bytes in the file are not valid in its encoding.",
    "What it does: the input declared (or defaulted to) an encoding its bytes do not\n"
    "follow. The bad bytes were replaced by U+FFFD and linting went on. In an .eml,\n"
    "also an HTML part whose base64 or quoted-printable is broken (stray characters,\n"
    "'=' not followed by two hex digits): what could be decoded was linted.\n\n"
    "Why it matters: recipients see replacement characters or mojibake.\n\n"
    "Use instead: save the file as UTF-8, or declare its real charset in\n"
    "<meta charset> or the MIME Content-Type.",
)
UNREADABLE_INPUT = EngineCode(
    "OOPS004",
    "unreadable-input",
    Severity.ERROR,
    "The input could not be read as an email.",
    "What it does: reports a path that does not exist, an empty or binary file, a file\n"
    "over the size limit, a message with no HTML part or an empty one, an HTML part\n"
    "whose base64 cannot be decoded, or MIME parts nested more than 100 levels deep.\n"
    "The exit code is 2; other files are still linted.",
)
INVALID_CONTEXT = EngineCode(
    "OOPS005",
    "invalid-context",
    Severity.ERROR,
    "The send context has a malformed value.",
    "What it does: reports context values that rules could not read, such as a\n"
    "timestamp without a timezone or a date that is not ISO 8601. Rules that need\n"
    "the value are skipped for this email; the others run.",
)

DEADLINE_REACHED = EngineCode(
    "OOPS006",
    "deadline-reached",
    Severity.WARNING,
    "A check did not finish within the run's deadline.",
    "What it does: with `deadline=` on lint, alint or preflight, the whole run ends\n"
    "within that many seconds. Network look-ups still waiting then are reported by\n"
    "their rules as could-not-verify; a rule that had not finished at all is\n"
    "reported here, naming it. Nothing is silently passed.\n\n"
    "Why it matters: a send pipeline must not wait on a slow server, and an\n"
    "unchecked email must not look like a checked one.",
)

ENGINE_CODES: dict[str, EngineCode] = {
    c.code: c
    for c in (
        INTERNAL_ERROR,
        UNUSED_SUPPRESSION,
        UNDECODABLE_BYTES,
        UNREADABLE_INPUT,
        INVALID_CONTEXT,
        DEADLINE_REACHED,
    )
}
ENGINE_NAMES: dict[str, EngineCode] = {c.name: c for c in ENGINE_CODES.values()}
