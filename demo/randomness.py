"""Deterministic randomness: one independent stream per (seed, kind, index).

Keying streams by what they generate (``rng_for(seed, "customer", 42)``) rather than
drawing everything from one sequence means any row can be regenerated alone (the state
check probes a few customers without building them all) and adding a draw in one place
does not shift every row generated after it.
"""

from __future__ import annotations

import base64
import bisect
import itertools
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def rng_for(seed: int, *key: object) -> random.Random:
    """A stream seeded from a string: stable across processes and Python versions (str
    seeds go through SHA-512, unlike ``hash()``, which is salted per process)."""
    return random.Random(":".join(map(str, (seed, *key))))


def token_for(rng: random.Random, nbytes: int = 16) -> str:
    """A URL-safe token like ``secrets.token_urlsafe``, but reproducible."""
    return base64.urlsafe_b64encode(rng.randbytes(nbytes)).rstrip(b"=").decode()


def weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    values = [value for value, _ in options]
    return rng.choices(values, weights=[weight for _, weight in options])[0]


class WeightedPicker:
    """Repeated weighted choice over a fixed list, with the cumulative weights built once."""

    def __init__(self, values: Sequence[T], weights: Sequence[float]) -> None:
        self.values = list(values)
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> T:
        point = rng.random() * self.cumulative[-1]
        return self.values[bisect.bisect_right(self.cumulative, point)]


def ean13(body: str) -> str:
    """Append the EAN-13 check digit to a 12-digit body."""
    if len(body) != 12 or not body.isdigit():
        raise ValueError(f"EAN-13 body must be 12 digits, got {body!r}")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)
