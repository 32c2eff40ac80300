"""CTR: text and link contrast as mail clients paint it.

Every rule reads the computed styles of :mod:`oopslint.styles` in the client
profiles selected with ``[tool.oopslint.contrast] profiles = [...]`` (default:
all of them) and shares one verdict per text element, computed once per email.
"""

from .ctr001_low_contrast_text import low_contrast_text
from .ctr002_low_contrast_dark_mode import low_contrast_dark_mode
from .ctr003_link_not_distinguishable import link_not_distinguishable
from .ctr004_contrast_not_verified import contrast_not_verified

RULES = [low_contrast_text, low_contrast_dark_mode, link_not_distinguishable, contrast_not_verified]

__all__ = ["RULES", "low_contrast_text", "low_contrast_dark_mode", "link_not_distinguishable", "contrast_not_verified"]
