"""Returns' write path, split by subdomain:

- ``policy``: the one return policy (window, final sale, quantity, manager override)
- ``requests``: returns started online, and cancelling them
- ``receive``: a return received at a store or warehouse; inspection outcomes
- ``refunds``: money back to the payments or to store credit; loyalty reversal
- ``exchange``: the returned value into replacement sizes
"""

from returns.services.policy import (
    OVERRIDABLE,
    LineDecision,
    LineFacts,
    PolicyDecision,
    Refusal,
    order_line_facts,
    return_policy_check,
)
from returns.services.receive import return_line_inspect, return_receive
from returns.services.requests import return_cancel, return_request

__all__ = [
    "OVERRIDABLE",
    "LineDecision",
    "LineFacts",
    "PolicyDecision",
    "Refusal",
    "order_line_facts",
    "return_cancel",
    "return_line_inspect",
    "return_policy_check",
    "return_receive",
    "return_request",
]
