"""TPL: template hygiene. Merge tags left unrendered, placeholder copy, test
markers, images without alt text, links that go nowhere, Gmail clipping, the
unsubscribe link and one-click unsubscribe headers of marketing email, the
document language and the preheader.

Every rule's docstring is its documentation (``oopslint explain TPL001``);
options live in ``[tool.oopslint.template]``.
"""

from .content import leftover_test_marker, placeholder_text
from .markup import dead_href, gmail_clipping, image_missing_alt, missing_lang, missing_preheader
from .merge_tags import unrendered_merge_tag
from .unsubscribe import missing_one_click_unsubscribe, missing_unsubscribe_link

__all__ = [
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
