"""Domain errors speak the reader's language: the lazy ``default_message`` of a class (and
a lazy message given at the raise) is translated when it is read, not when it is raised;
every domain error of orders, returns and omni names its own ``default_message``."""

from __future__ import annotations

import importlib

import pytest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, override

from omni.errors import DomainError
from orders.errors import OrderNotFound
from returns.errors import ReturnWindowExpired
from tests.catalogue import translated

THAI = {
    "We could not find that order.": "ไม่พบคำสั่งซื้อนี้",
    "The return window for this item has ended.": "หมดระยะเวลาคืนสินค้าชิ้นนี้แล้ว",
}


def test_an_error_raised_in_one_language_reads_in_the_readers_language():
    with translated("th", THAI):
        with override("en"):
            error = OrderNotFound(number="S0000001")  # raised on an English request
        with override("th"):
            assert error.message == "ไม่พบคำสั่งซื้อนี้"  # read on a Thai page
            assert str(error) == "ไม่พบคำสั่งซื้อนี้"
        with override("en"):
            assert error.message == "We could not find that order."
        assert error.code == "order_not_found"


def test_a_lazy_message_given_at_the_raise_is_read_late_too():
    with translated("th", THAI):
        with override("th"):
            error = ReturnWindowExpired(gettext_lazy("The return window for this item has ended."))
        with override("en"):
            assert error.message == "The return window for this item has ended."
        with override("th"):
            assert error.message == "หมดระยะเวลาคืนสินค้าชิ้นนี้แล้ว"


def _domain_errors() -> list[type[DomainError]]:
    for module in ("orders.errors", "returns.errors", "omni.errors", "omni.api.services"):
        importlib.import_module(module)
    found, stack = [], [DomainError]
    while stack:
        cls = stack.pop()
        if cls.__module__.startswith(("orders.", "returns.", "omni.")):
            found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


@pytest.mark.parametrize("error_class", _domain_errors(), ids=lambda cls: cls.__qualname__)
def test_every_domain_error_has_its_own_lazy_default_message(error_class):
    message = error_class.__dict__.get("default_message")
    assert isinstance(message, Promise), f"{error_class.__qualname__} needs a default_message"
    assert str(message).endswith("."), "a sentence for a person"
