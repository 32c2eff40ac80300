"""CMP: client support. What each targeted mail client does with the email's
HTML and CSS, from the caniemail data (vendored in ``data/``, MIT).

Options live in ``[tool.oopslint.clients]``: ``targets = ["gmail.*", "outlook.*"]``.
"""

from .cmp001_unsupported_feature import unsupported_feature
from .cmp002_partially_supported_feature import partially_supported_feature
from .cmp003_unsupported_enhancement import unsupported_enhancement

RULES = [unsupported_feature, partially_supported_feature, unsupported_enhancement]

__all__ = ["RULES", "partially_supported_feature", "unsupported_enhancement", "unsupported_feature"]
