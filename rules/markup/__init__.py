"""MKP: markup and CSS that mail clients break on or repair each in their own way.

Markup rules read their own scan of the tags (``_common.py``), since the email
model repairs what they report; CSS rules read :mod:`oopslint.css`.
"""

from .mkp001_stray_end_tag import stray_end_tag
from .mkp002_unclosed_tag import unclosed_tag
from .mkp003_duplicate_attribute import duplicate_attribute
from .mkp004_misnested_tags import misnested_tags
from .mkp005_invalid_css_value import invalid_css_value
from .mkp006_stray_important import stray_important
from .mkp007_empty_declaration import empty_declaration
from .mkp008_misplaced_import import misplaced_import
from .mkp009_style_block_dropped import style_block_dropped
from .mkp010_unverified_template_markup import unverified_template_markup

RULES = [
    stray_end_tag,
    unclosed_tag,
    duplicate_attribute,
    misnested_tags,
    invalid_css_value,
    stray_important,
    empty_declaration,
    misplaced_import,
    style_block_dropped,
    unverified_template_markup,
]

__all__ = [
    "duplicate_attribute",
    "empty_declaration",
    "invalid_css_value",
    "misnested_tags",
    "misplaced_import",
    "stray_end_tag",
    "stray_important",
    "style_block_dropped",
    "unclosed_tag",
]
