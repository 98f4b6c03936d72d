"""The orders tests' geography, priced variant and market switch, for checkouts with
offers."""

from tests.orders.conftest import places, shopper, variant  # noqa: F401
from tests.orders.test_tax import market  # noqa: F401
