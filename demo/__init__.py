"""The demo retailer behind ``manage.py seed_demo``: Northwind Outfitters, a fictional US
apparel chain with stores, warehouses, a catalog, customers and their history — or, with
``--market th|vn|ph|ir``, a local chain in that country (``markets``: its stores, people,
words and price points; the same builders make every market's demo).

Like ``project/urls.py`` this package is a composition root: it is the one place outside the
apps that imports every domain app, because a seed has to fill them all. Nothing in the apps
imports it.

How it is built:

- ``config``: the two scales (``small`` to try it, ``large`` for benchmarks), the demo
  password, and the clock every timestamp is an offset from.
- ``randomness`` and ``names``: deterministic random streams keyed by (seed, what, index),
  so any entity can be regenerated on its own and the same ``--seed`` gives the same rows.
- ``world``: what has been created so far (ids by index, the opening stock, the counts to
  print), bounded by locations, variants and customers, never by orders; its ``insert``
  writes a batch of rows.
- ``rows``: rows are plain dicts; on PostgreSQL they go in with COPY (ids drawn from the
  table's sequence when later rows point at them), elsewhere with ``bulk_create``.
- One module per domain, each with a ``*_create(world)`` phase, in dependency order:
  ``stores``, ``catalog`` (with ``images``), ``staff``, ``customers``, ``stock``,
  ``orders``, ``returns``, ``carts``; then ``customers.customer_history_complete`` (sizes
  learned from purchases, redemptions) and ``staff.admin_create``, last: a complete seed
  is one with its superuser. ``shopping`` is what a customer picks (lists, carts, orders).
- ``state``: is this database empty, already seeded with this scale and seed, or holding
  something else; the counts reported; the reset that deletes demo data.

The seed writes rows directly rather than through the services (which take one order or
one stock change at a time), but keeps every invariant they keep: the stock ledger sums
to on-hand, reserved equals the active reservations and never exceeds on-hand, order
totals add up from their lines in Decimal, one current price per variant.
"""
