"""Merge-tag dialects: find tokens, mask them, tell a template from rendered mail.

Every email service spells its merge tags differently. A *dialect* is a named
set of patterns. Unambiguous dialects are on by default; the ambiguous ones
(``%FIRSTNAME%`` and ``[firstname]`` look like ordinary text too) only run when
configured with ``dialects = [...]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from ._frozen import quick_init

#: The character that replaces every character of a masked token. It is not a
#: letter, digit or space, so word and date scanners treat a token as a wall.
MASK_CHAR = "\ufffc"


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    description: str
    patterns: tuple[str, ...]
    ambiguous: bool = False


DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect(
            "jinja",
            "Jinja, Liquid, Handlebars, Mustache, Django, Nunjucks, Marketo: {{ x }}, {% x %}, {# x #}",
            (
                r"\{\{\{.{0,500}?\}\}\}",
                r"\{\{.{0,500}?\}\}",
                r"\{%.{0,2000}?%\}",
                r"\{#.{0,2000}?#\}",
            ),
        ),
        Dialect("mailchimp", "Mailchimp merge tags: *|FNAME|*", (r"\*\|[^|\n]{1,200}\|\*",)),
        Dialect(
            "salesforce",
            "Salesforce Marketing Cloud: %%FirstName%%, AMPscript %%[ ... ]%% and %%= ... =%%",
            (
                r"%%\[.{0,5000}?\]%%",
                r"%%=.{0,2000}?=%%",
                r"%%[A-Za-z_][\w .\-]{0,100}%%",
            ),
        ),
        Dialect(
            "campaign-monitor",
            "Campaign Monitor personalisation with a fallback: [firstname,fallback=there]",
            (r"\[[A-Za-z][\w ]{0,60},\s*fallback=[^\]\n]{0,200}\]",),
        ),
        Dialect("dotdigital", "Dotdigital data fields: @FIRSTNAME@", (r"@[A-Z][A-Z0-9_]{1,60}@",)),
        Dialect(
            "mautic",
            "Mautic tokens: {contactfield=firstname}, {unsubscribe_url}",
            (
                r"\{(?:contactfield|leadfield|ownerfield|formfield|assetlink|pagelink|"
                r"unsubscribe_text|unsubscribe_url|webview_text|webview_url|signature|"
                r"subject|tracking_pixel|dwc|focus)(?:=[^{}\n]{0,200})?\}",
            ),
        ),
        Dialect("iterable", "Iterable and Omnisend: [[firstName]]", (r"\[\[[^\[\]\n]{1,200}\]\]",)),
        Dialect(
            "freemarker",
            "FreeMarker (Keycloak, Spring), Velocity, JSP EL: ${user.name}, <#if x>, </#if>, <@macro/>, <#-- -->",
            (
                r"<#--(?:[^-<]|-(?!->)|<(?!#--)){0,5000}+-->",  # stops at the next "<#--": linear
                r"\$\{[^{}\n]{1,500}\}",
                r"</?[#@][A-Za-z][^<>]{0,2000}>",
            ),
        ),
        Dialect(
            "thymeleaf",
            "Thymeleaf expressions (Spring): @{/orders}, #{greeting}, ~{fragment} (and [[${x}]] as Iterable's)",
            (r"[@#~]\{[^{}\n]{1,500}\}",),  # not *{...}: a stylesheet's *{margin:0}
        ),
        Dialect(
            "blade",
            "Laravel Blade: {!! x !!}, @if(...), @foreach(...), @component(...), @endif, @else",
            (
                r"\{!!.{0,500}?!!\}",
                r"(?<![\w@.])@(?:if|elseif|unless|isset|empty|foreach|forelse|for|while|switch|case|component|slot"
                r"|section|yield|include|includeIf|each|lang|choice|auth|guest|can|cannot|env|push|stack|props|php)"
                r"\((?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\)){0,500}\)",
                r"(?<![\w@.])@(?:else|endif|endunless|endisset|endempty|endforeach|endforelse|endfor|endwhile|endswitch"
                r"|break|continue|default|endcomponent|endslot|endsection|show|stop|endauth|endguest|endcan|endcannot"
                r"|endenv|endpush|endphp|csrf|verbatim|endverbatim)\b",
            ),
        ),
        Dialect(
            "erb",
            "ERB (Rails Action Mailer), EJS, ASP: <%= x %>, <%- x %>, <% code %>, <%# comment %>",
            (r"<%(?:[^%<]|%(?!>)|<(?!%)){0,2000}+%>",),  # a body never holds "<%": linear on "<% <% <% ..."
        ),
        Dialect(
            "activecampaign",
            "ActiveCampaign personalisation tags: %FIRSTNAME% (ambiguous, opt in)",
            (r"%[A-Z][A-Z0-9_\-]{1,60}%",),
            ambiguous=True,
        ),
        Dialect(
            "brackets",
            "Campaign Monitor and others without fallback: [firstname] (ambiguous, opt in)",
            (r"\[[A-Za-z][\w\-]{0,60}\]",),
            ambiguous=True,
        ),
    )
}

ALIASES = {
    "liquid": "jinja",
    "handlebars": "jinja",
    "mustache": "jinja",
    "django": "jinja",
    "nunjucks": "jinja",
    "marketo": "jinja",
    "ampscript": "salesforce",
    "sfmc": "salesforce",
    "omnisend": "iterable",
    "ejs": "erb",
    "laravel": "blade",
    "velocity": "freemarker",
    "ftl": "freemarker",
    "jsp": "freemarker",
    "rails": "erb",
    "asp": "erb",
}

DEFAULT_DIALECTS: tuple[str, ...] = tuple(n for n, d in DIALECTS.items() if not d.ambiguous)


def resolve_dialects(names: Iterable[str] | None) -> tuple[str, ...]:
    """Validate dialect names. ``None`` means the unambiguous defaults;
    ``"default"`` inside a list adds them, ``"all"`` means every dialect."""
    if names is None:
        return DEFAULT_DIALECTS
    if isinstance(names, str):
        names = [names]
    resolved: list[str] = []
    for raw in names:
        name = ALIASES.get(str(raw).strip().lower(), str(raw).strip().lower())
        if name == "all":
            chosen: Sequence[str] = tuple(DIALECTS)
        elif name == "default":
            chosen = DEFAULT_DIALECTS
        elif name in DIALECTS:
            chosen = (name,)
        else:
            valid = ", ".join([*DIALECTS, *ALIASES, "default", "all"])
            raise ValueError(f"unknown merge-tag dialect {raw!r}; valid dialects: {valid}")
        resolved.extend(n for n in chosen if n not in resolved)
    return tuple(resolved)


@quick_init
@dataclass(frozen=True, slots=True)
class Token:
    """A merge tag found in some text, at ``text[start:end]``."""

    start: int
    end: int
    text: str
    dialect: str

    @property
    def expression(self) -> str:
        """The inside of the tag: ``{{ user.name }}`` gives ``user.name``."""
        return self.text.strip("{}%#*|[]@=- \t\n")


@lru_cache(maxsize=64)
def _compiled(dialects: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One pattern per dialect, each starting with its own literal characters."""
    return tuple((name.replace("_", "-"), _dialect_pattern(name)) for name in dialects)


@lru_cache(maxsize=64)
def _dialect_pattern(name: str) -> re.Pattern[str]:
    return re.compile("|".join(DIALECTS[name].patterns), re.DOTALL)


_QUICK = re.compile(r"[{%*@\[]|</?#")


# the tokens of short texts that hold a tag's first character: renders of one
# template repeat most of their texts, so each is scanned once (tokens are frozen)
_TOKENS_OF: dict[tuple[str, tuple[str, ...]], tuple[Token, ...]] = {}
_TOKENS_OF_ENTRIES = 1024
_TOKENS_OF_LONGEST = 512


def find_tokens(text: str, dialects: tuple[str, ...] = DEFAULT_DIALECTS) -> list[Token]:
    """All merge tags of the given dialects in ``text``, left to right.

    The tokens are those one scan with every dialect's patterns as alternatives
    (in the order given) finds: at each step the leftmost tag, the first dialect
    on a tie. Each dialect is searched on its own, though: a pattern that starts
    with its literal characters is a fast scan, while the alternatives together
    make the engine try every ``{`` of a stylesheet (~30x slower on CSS)."""
    if not text or not _QUICK.search(text):
        return []
    if len(text) > _TOKENS_OF_LONGEST:
        return _find_tokens(text, tuple(dialects))
    key = (text, tuple(dialects))
    found = _TOKENS_OF.get(key)
    if found is None:
        found = tuple(_find_tokens(text, key[1]))
        if len(_TOKENS_OF) >= _TOKENS_OF_ENTRIES:
            _TOKENS_OF.clear()
        _TOKENS_OF[key] = found
    return list(found)


def _find_tokens(text: str, dialects: tuple[str, ...]) -> list[Token]:
    patterns = _compiled(dialects)
    if len(patterns) == 1:
        name, pattern = patterns[0]
        return [Token(m.start(), m.end(), m.group(), name) for m in pattern.finditer(text)]
    upcoming = [pattern.search(text) for _, pattern in patterns]
    found = [index for index, match in enumerate(upcoming) if match is not None]
    if len(found) <= 1:
        if not found:
            return []
        # one dialect only: its tags one after another are what the scan below takes
        name, pattern = patterns[found[0]]
        first = upcoming[found[0]]
        assert first is not None
        return [Token(first.start(), first.end(), first.group(), name)] + [
            Token(m.start(), m.end(), m.group(), name) for m in pattern.finditer(text, first.end())
        ]
    tokens: list[Token] = []
    position = 0
    while True:
        best: re.Match[str] | None = None
        chosen = 0
        for index, match in enumerate(upcoming):
            if match is None:
                continue
            if match.start() < position:  # overlapped by the tag just taken: look again after it
                match = upcoming[index] = patterns[index][1].search(text, position)
                if match is None:
                    continue
            if best is None or match.start() < best.start():
                best, chosen = match, index
        if best is None:
            return tokens
        tokens.append(Token(best.start(), best.end(), best.group(), patterns[chosen][0]))
        position = best.end()


def find_tokens_in_url(url: str, dialects: tuple[str, ...] = DEFAULT_DIALECTS) -> list[Token]:
    """Tokens in an attribute value, also when percent-encoded (``%7B%7Burl%7D%7D``).

    Offsets of tokens found only after decoding refer to the decoded text.
    """
    tokens = find_tokens(url, dialects)
    if tokens or "%" not in url:
        return tokens
    decoded = unquote(url)
    return find_tokens(decoded, dialects) if decoded != url else []


def mask(text: str, tokens: Sequence[Token], char: str = MASK_CHAR) -> str:
    """Replace every token by ``char`` repeated, keeping offsets unchanged."""
    if not tokens:
        return text
    pieces = []
    last = 0
    for token in tokens:
        pieces.append(text[last : token.start])
        pieces.append(char * (token.end - token.start))
        last = token.end
    pieces.append(text[last:])
    return "".join(pieces)
