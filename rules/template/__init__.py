"""TPL: template hygiene. Merge tags left unrendered, placeholder copy, test
markers, images without alt text, links that go nowhere, Gmail clipping, the
unsubscribe link and one-click unsubscribe headers of marketing email, the
document language and the preheader.

Every rule's docstring is its documentation (``oopslint explain TPL001``);
options live in ``[tool.oopslint.template]``.
"""

from __future__ import annotations

from .tpl001_unrendered_merge_tag import unrendered_merge_tag
from .tpl002_placeholder_text import placeholder_text
from .tpl003_test_marker import leftover_test_marker
from .tpl004_image_missing_alt import image_missing_alt
from .tpl005_dead_href import dead_href
from .tpl006_gmail_clipping import gmail_clipping
from .tpl007_missing_unsubscribe_link import missing_unsubscribe_link
from .tpl008_missing_one_click_unsubscribe import missing_one_click_unsubscribe
from .tpl009_missing_lang import missing_lang
from .tpl010_missing_preheader import missing_preheader

RULES = [
    unrendered_merge_tag,
    placeholder_text,
    leftover_test_marker,
    image_missing_alt,
    dead_href,
    gmail_clipping,
    missing_unsubscribe_link,
    missing_one_click_unsubscribe,
    missing_lang,
    missing_preheader,
]

__all__ = [
    "RULES",
    "unrendered_merge_tag",
    "placeholder_text",
    "leftover_test_marker",
    "image_missing_alt",
    "dead_href",
    "gmail_clipping",
    "missing_unsubscribe_link",
    "missing_one_click_unsubscribe",
    "missing_lang",
    "missing_preheader",
]
