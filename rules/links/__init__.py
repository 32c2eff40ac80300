"""LNK: links and images.

Offline rules read the email only (malformed URLs, mailto: and tel: links,
insecure and non-production hosts, text that shows another address, missing
#fragment targets). Network rules check every URL live through the shared
client in :mod:`oopslint.http` (broken links and images, links that could not
be verified, redirects to other domains); ``--offline`` skips them.
"""

from .network import broken_image, broken_link, cross_domain_redirect, link_not_verified
from .offline import (
    insecure_link,
    link_text_mismatch,
    malformed_mailto,
    malformed_tel,
    malformed_url,
    missing_fragment_target,
    non_production_link,
)

__all__ = [
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
