"""LNK: links and images.

Offline rules read the email only (malformed URLs, mailto: and tel: links,
insecure and non-production hosts, text that shows another address, missing
#fragment targets). Network rules check every URL live through the shared
client in :mod:`oopslint.http` (broken links and images, links that could not
be verified, redirects to other domains); ``--offline`` skips them.
"""

from __future__ import annotations

from .lnk001_broken_link import broken_link
from .lnk002_broken_image import broken_image
from .lnk003_link_not_verified import link_not_verified
from .lnk004_cross_domain_redirect import cross_domain_redirect
from .lnk005_insecure_link import insecure_link
from .lnk006_non_production_link import non_production_link
from .lnk007_malformed_url import malformed_url
from .lnk008_malformed_mailto import malformed_mailto
from .lnk009_malformed_tel import malformed_tel
from .lnk010_link_text_mismatch import link_text_mismatch
from .lnk011_missing_fragment_target import missing_fragment_target

RULES = [
    broken_link,
    broken_image,
    link_not_verified,
    cross_domain_redirect,
    insecure_link,
    non_production_link,
    malformed_url,
    malformed_mailto,
    malformed_tel,
    link_text_mismatch,
    missing_fragment_target,
]

__all__ = [
    "RULES",
    "broken_link",
    "broken_image",
    "link_not_verified",
    "cross_domain_redirect",
    "insecure_link",
    "non_production_link",
    "malformed_url",
    "malformed_mailto",
    "malformed_tel",
    "link_text_mismatch",
    "missing_fragment_target",
]
