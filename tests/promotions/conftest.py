"""The orders tests' geography and priced variant, for checkouts with offers."""

from tests.orders.conftest import places, shopper, variant  # noqa: F401
