"""Saving a segment: its rules validated and stored as ``campaigns.segments`` reads them."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from campaigns.models import Segment
from campaigns.segments import rules_clean


@transaction.atomic
def segment_save(*, segment: Segment, name: str, rules: dict[str, Any]) -> Segment:
    """Create or update a segment. Raises SegmentRulesInvalid (with ``field``)."""
    segment.name = name.strip()[:120]
    segment.rules = rules_clean(rules)
    segment.save()
    return segment
