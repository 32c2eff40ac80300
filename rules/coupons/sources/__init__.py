"""The built-in coupon sources, one module each. They register through the
``oopslint.coupon_sources`` entry points exactly as a third-party source does."""
