"""The ground every app stands on: money, geo, errors, the outbox, the email log, the
cache, HTTP and input guards, observability, health, the API framework, the admin site.
It imports no domain app and nothing of the roof (``project``: settings, urls, Celery;
``demo``: the demo retailer); see docs/architecture.md, "Ground and roof"."""
