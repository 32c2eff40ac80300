"""TPL007 missing-unsubscribe-link: Marketing email has no unsubscribe link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import (
    body_anchor,
    dead_reason,
    is_marketing,
    is_partial,
    readable,
    user_patterns,
)

#: Words for "unsubscribe" and "manage preferences" in the languages marketing
#: email is most often sent in; matched in link text, hrefs, titles and alt text.
UNSUBSCRIBE_WORDS = re.compile(
    r"""
    unsubscrib | \bunsub\b | \bunsub[_-] | opt[\s_-]?out | \boptout
    | (?:manage|update|change|edit|set)\s+(?:your\s+|my\s+)?
      (?:email\s+|e-mail\s+|subscription\s+|notification\s+|mailing\s+|communication\s+|marketing\s+)?
      (?:preferences|settings|subscriptions?)
    | (?:email|e-mail|subscription|communication|notification|mailing|marketing)[\s_-]+(?:preferences|settings)
    | (?:preference|subscription|profile)[\s_-]*cent(?:er|re)
    | stop\s+receiving | no\s+longer\s+(?:wish|want)\s+to\s+receive
    | abmelden | abbestell | austragen | abmeldung
    | d[ée]sabonn | d[ée]sinscri | se\s+d[ée]sinscrire
    | (?:darse|darte|date|dar)\s+de\s+baja
    | (?:cancelar|anular)\s+(?:la\s+|tu\s+|su\s+|a\s+)?(?:suscripci[oó]n|inscri[cç][aã]o|assinatura)
    | descadastr | baja\s+de\s+(?:la\s+)?(?:lista|suscripci[oó]n|newsletter)
    | annulla\s+(?:l['’]\s*)?iscrizione | disiscri | cancella(?:ti|re)?\s+(?:l['’]\s*)?iscrizione
    | afmelden | uitschrijven
    | avsluta\s+prenumeration | avregistrer | afmeld | frameld | avmeld | avslutt\s+abonnement | peru(?:uta)?\s+tilaus
    | wypisz | zrezygnuj\s+z\s+subskrypcji | odhl[aá]s | odhl[aá]sit
    | отписаться | отписка | отказаться\s+от\s+рассылки | відписатися
    | abonelikten\s+[çc][ıi]k | leiratkoz | dezabon | διαγραφ
    | 配信停止 | 配信解除 | 購読解除 | 退订 | 退訂 | 取消订阅 | 取消訂閱 | 수신\s*거부 | 구독\s*취소
    """,
    re.I | re.X,
)

#: Unsubscribe merge tags of the common senders: *|UNSUB|*, {{unsubscribe_url}},
#: %%unsub_center_url%%, <%asm_group_unsubscribe_raw_url%>, {% unsubscribe %},
#: {{{ pm:unsubscribe }}}, %UNSUBSCRIBELINK%, @UNSUB@, [unsubscribe], #unsubscribeLink# ...
UNSUBSCRIBE_TAG = re.compile(
    r"(?:\{\{\{?|\{%-?|\*\||%%=?|<%|\[\[|\[|\{\$?|%|@|\$\{|#|\$)\s*[\w:.\-]*?"
    r"(?:unsub|opt_?out|optout|preferences?|profile_?cent(?:er|re)|subscription_?cent(?:er|re)|update_?profile|"
    r"updatelink|manage_?(?:sub|pref))",
    re.I,
)

#: Campaign Monitor's own elements: <unsubscribe>Unsubscribe</unsubscribe>, <preferences>.
_UNSUBSCRIBE_ELEMENTS = ("unsubscribe", "preferences")


def _mentions_unsubscribe(text: str, extra: tuple[re.Pattern[str], ...]) -> bool:
    if not text:
        return False
    return bool(UNSUBSCRIBE_WORDS.search(text) or UNSUBSCRIBE_TAG.search(text) or any(p.search(text) for p in extra))


def _link_mentions(link: Any, extra: tuple[re.Pattern[str], ...]) -> bool:
    attrs = link.element.attrs
    texts = [link.url, link.text, attrs.get("title", ""), attrs.get("aria-label", ""), *link.image_alts]
    return any(_mentions_unsubscribe(text, extra) for text in texts)


def _tag_elsewhere(email: Email, extra: tuple[re.Pattern[str], ...]) -> bool:
    """An unsubscribe merge tag or element outside links: in body text or any attribute."""
    for element in email.elements:
        if element.tag in _UNSUBSCRIBE_ELEMENTS:
            return True
        if element.in_head:
            continue
        for value in element.attrs.values():
            if value and (UNSUBSCRIBE_TAG.search(value) or any(p.search(value) for p in extra)):
                return True
    for segment in email.segments:
        raw = segment.raw
        if UNSUBSCRIBE_TAG.search(raw) or any(p.search(raw) for p in extra):
            return True
    return False


@rule(
    code="TPL007",
    name="missing-unsubscribe-link",
    summary="Marketing email has no unsubscribe link",
    severity="error",
    section="template",
    options={"unsubscribe_patterns": [], "assume_marketing": False},
    option_docs={
        "unsubscribe_patterns": "extra regular expressions (case-insensitive) that mark an unsubscribe link or tag",
        "assume_marketing": "treat email whose category is unknown as marketing (TPL007, TPL008)",
    },
    uses_context=True,
)
def missing_unsubscribe_link(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    For marketing email, looks for a visible, working way to unsubscribe: a link
    whose text, href, title or image alt says unsubscribe, opt out, or manage
    (email) preferences, in English, German, French, Spanish, Portuguese, Italian,
    Dutch, the Nordic languages, Polish, Czech, Russian, Turkish, Japanese, Chinese
    or Korean; or an unsubscribe merge tag of a common sender (`*|UNSUB|*`,
    `{{unsubscribe_url}}`, `%%unsub_center_url%%`, `<%asm_group_unsubscribe_raw_url%>`,
    `{% unsubscribe %}`, `{{{ pm:unsubscribe }}}`, `%UNSUBSCRIBELINK%`, `[unsubscribe]`,
    Campaign Monitor's `<unsubscribe>` element, ...). An unsubscribe link that
    is hidden or whose href goes nowhere (`#`, empty) does not count.

    Which email is marketing: `category` in the send context (`--context`, or the
    `context=` argument), else `category` in the configuration. When neither says,
    the rule stays quiet: transactional email (receipts, password resets) needs
    no unsubscribe link, and guessing would be wrong half the time. Set
    `category = "marketing"` for a folder of newsletters, or `assume_marketing =
    true` to check every email whose category is unknown. Template partials are
    not checked.

    Why is this bad?
    CAN-SPAM, GDPR/PECR and CASL require a clear way to opt out of marketing
    email, and Gmail's and Yahoo's bulk-sender rules (2024) require it too.
    Readers who cannot find one press "Report spam", which hurts delivery for
    every later send.

    Example
    ```html
    <td class="footer">Acme Inc, 1 Main St, Springfield</td>
    ```

    Use instead
    ```html
    <td class="footer">Acme Inc, 1 Main St, Springfield<br>
      <a href="{{ unsubscribe_url }}">Unsubscribe</a> · <a href="{{ preferences_url }}">Email preferences</a></td>
    ```
    """
    extra = user_patterns(options, "unsubscribe_patterns")
    if is_marketing(context, options) is not True or is_partial(email, context):
        return
    broken: list[tuple[Any, str]] = []
    for link in email.links:
        if not _link_mentions(link, extra):
            continue
        if link.tokens:
            return
        reason = dead_reason(link.url)
        if reason is not None:
            broken.append((link, f'points nowhere (href="{link.url}")'))
        elif not link.visible:
            broken.append((link, "is hidden"))
        else:
            return
    if _tag_elsewhere(email, extra):
        return
    if broken:
        link, why = broken[0]
        label = readable(link.text, 40) or "unsubscribe"
        yield Finding(
            f'Marketing email has no working unsubscribe link: the "{label}" link {why}',
            span=link.span,
            suggestion="link it to your sender's unsubscribe URL or merge tag, e.g. {{ unsubscribe_url }}",
            data={"href": link.url, "reason": why},
        )
        return
    yield Finding(
        "Marketing email has no unsubscribe link: the law (CAN-SPAM, GDPR/PECR) and Gmail's and Yahoo's "
        'bulk-sender rules require a visible way to opt out; without one, readers press "Report spam"',
        span=body_anchor(email),
        suggestion='add <a href="{{ unsubscribe_url }}">Unsubscribe</a> to the footer (your sender\'s tag)',
        data={"category": context.category or "assumed marketing"},
    )
