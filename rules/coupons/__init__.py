"""CPN: coupon codes checked against the shop before the email goes out.

The codes an email promises (``data-coupon`` markup, "use code X" phrases in
seven languages, a code set apart beside such words, and links that apply a
code) are looked up once per run in the configured coupon source (a file,
Stripe, Shopify, WooCommerce, any JSON endpoint, or a plugin from the
``oopslint.coupon_sources`` entry points) and judged at the send time of the
context: unknown, inactive or expired, ending too soon, a discount that is not
the one the copy promises, too few redemptions left for the audience. When a
source cannot answer, the code is "could not verify", never a pass.
"""

from ._common import nothing_to_look_up
from .cpn001_unknown_coupon import unknown_coupon
from .cpn002_inactive_coupon import inactive_coupon
from .cpn003_coupon_ends_too_soon import coupon_ends_too_soon
from .cpn004_discount_mismatch import discount_mismatch
from .cpn005_coupon_redemptions_low import coupon_redemptions_low
from .cpn006_coupon_not_verified import coupon_not_verified
from .cpn007_coupons_not_checked import coupons_not_checked

RULES = [
    unknown_coupon,
    inactive_coupon,
    coupon_ends_too_soon,
    discount_mismatch,
    coupon_redemptions_low,
    coupon_not_verified,
    coupons_not_checked,
]

# a template without codes to look up is judged without an event loop
for _rule in RULES:
    _rule.check.finishes_without_awaiting = nothing_to_look_up  # type: ignore[attr-defined]
