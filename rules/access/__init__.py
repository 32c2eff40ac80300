"""ACC: what accessibility checkers report on emails, beyond contrast (CTR):
link text that names no target, the document title, heading levels, layout tables."""

from .acc001_vague_link_text import vague_link_text
from .acc002_missing_title import missing_title
from .acc003_heading_level_skipped import heading_level_skipped
from .acc004_layout_table_without_role import layout_table_without_role

RULES = [vague_link_text, missing_title, heading_level_skipped, layout_table_without_role]

__all__ = ["RULES", "vague_link_text", "missing_title", "heading_level_skipped", "layout_table_without_role"]
