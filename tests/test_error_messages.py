"""Every domain error of customers and inventory says, in the reader's language, what went
wrong when a raise passes no message: its own ``default_message``, lazy (translated when
read, not when the module was imported)."""

import inspect

import pytest
from django.utils import translation
from django.utils.functional import Promise

import customers.errors
import inventory.errors
from omni.errors import DomainError

ERRORS = [
    cls
    for module in (customers.errors, inventory.errors)
    for _, cls in inspect.getmembers(module, inspect.isclass)
    if issubclass(cls, DomainError) and cls.__module__ == module.__name__
]


def test_every_app_error_is_listed():
    assert len(ERRORS) >= 20


@pytest.mark.parametrize("error", ERRORS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_each_error_has_its_own_lazy_default_message(error):
    assert "default_message" in vars(error), "a short sentence for a person, not inherited"
    assert isinstance(error.default_message, Promise)
    raised = error()
    with translation.override("en"):
        assert raised.message == str(error.default_message)
        assert raised.message.endswith(".") and raised.message[0].isupper()
