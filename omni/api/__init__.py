"""The REST API for integrators (POS, WMS, marketplaces, social shops) at ``/api/v1/``.

The cross-cutting pieces live here — API-key authentication, scopes and location binding,
per-key throttling, idempotent POSTs, the one error body, cursor pagination, webhooks —
and each domain app keeps its own serializers and viewsets in ``<app>/api.py``, which
validate, call that app's services and serialize, nothing else.
"""
