"""Nearest-store availability: for every (variant on sale, active store) the nearest
``OMNI_NEAREST_AVAILABILITY_DEPTH`` active locations with salable stock (the store itself
first, at 0 km, when it has some), with quantity and distance.

One SQL statement computes the rows for a range of variants, on PostgreSQL and SQLite
alike (CTEs and window functions; SQLite >= 3.25), joining salable stock to the
precomputed LocationDistance table:

- for a few variants (the refresh after a stock change) it ranks every salable location
  for every store directly;
- for a batch of the full recompute each store numbers its nearest locations and a
  (variant, store) becomes one bigint bitmask of the ones with salable stock (a hash
  aggregate, no sort); its lowest ``depth`` bits are the answer, and only the few pairs
  with fewer bits set are ranked the direct way.

On PostgreSQL the statement writes only the rows that changed (insert / update / delete in
the same statement), so a nightly recompute over mostly unchanged stock writes little; on
SQLite (the embedded demo) it replaces the batch's rows. One transaction per batch: memory
stays flat, readers see a variant's old rows or its new ones. A stock change schedules a
debounced refresh of its variant on the worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils import timezone

from catalog.models import Product, Variant
from inventory.models import NearestAvailability, Stock
from inventory.signals import availability_gained
from stores.models import Location, LocationDistance
from stores.services import location_distances_complete, location_distances_rebuild

logger = logging.getLogger(__name__)

# Refreshes of variants in the same bucket of ids take turns (PostgreSQL advisory lock),
# so a refresh and a recompute batch never both delete-and-insert one variant's rows.
_LOCK_NAMESPACE = 7_407_311
_LOCK_BUCKET = 100


def availability_depth() -> int:
    return settings.OMNI_NEAREST_AVAILABILITY_DEPTH


def availability_debounce_seconds() -> int:
    return getattr(settings, "OMNI_AVAILABILITY_DEBOUNCE_SECONDS", 5)


def _ring_width(depth: int) -> int:
    """How many of each store's nearest locations the batch statement's bitmask covers
    (a bigint holds 62 without the sign bit)."""
    return min(max(8 * depth, 24), 62)


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "stock": q(Stock._meta.db_table),
        "location": q(Location._meta.db_table),
        "distance": q(LocationDistance._meta.db_table),
        "variant": q(Variant._meta.db_table),
        "product": q(Product._meta.db_table),
        "nearest": q(NearestAvailability._meta.db_table),
    }


# Salable stock of the variants lo..hi that are on sale (variant and product active) at
# active locations, the active stores, and the distance from each store to each active
# location (0 to itself).
_BASE = """
stores AS (
    SELECT id FROM {location} WHERE kind = %(store_kind)s AND is_active
),
avail AS (
    SELECT s.variant_id, v.product_id, s.location_id,
           s.on_hand - s.reserved - COALESCE(s.safety_stock, l.safety_stock) AS qty
    FROM {stock} s
    JOIN {location} l ON l.id = s.location_id
    JOIN {variant} v ON v.id = s.variant_id
    JOIN {product} p ON p.id = v.product_id
    WHERE s.variant_id BETWEEN %(lo)s AND %(hi)s
      AND l.is_active AND v.is_active AND p.is_active
      AND s.on_hand - s.reserved - COALESCE(s.safety_stock, l.safety_stock) > 0
),
dist AS (
    SELECT d.store_id, d.location_id, d.distance_km
    FROM (
        SELECT origin_id AS store_id, destination_id AS location_id, distance_km
        FROM {distance} WHERE origin_id <> destination_id
        UNION ALL
        SELECT id, id, 0 FROM stores
    ) d
    JOIN stores st ON st.id = d.store_id
    JOIN {location} dl ON dl.id = d.location_id AND dl.is_active
)"""

# A few variants (a stock change): every salable location against every store.
_DIRECT = """,
ranked AS (
    SELECT a.product_id, a.variant_id, n.store_id, a.location_id, a.qty, n.distance_km,
           ROW_NUMBER() OVER (
               PARTITION BY a.variant_id, n.store_id ORDER BY n.distance_km, a.location_id
           ) AS rnk
    FROM avail a JOIN dist n ON n.location_id = a.location_id
),
fresh AS (
    SELECT product_id, variant_id, store_id, rnk, location_id, qty, distance_km
    FROM ranked WHERE rnk <= %(depth)s
)"""

# A batch of variants. Ranking every salable location for every store is the naive join
# (stock rows × stores) and its sort. Instead each store numbers its nearest ``ring``
# locations 1..ring, and a (variant, store) gets one bigint whose bit k says "salable at
# the store's k-th nearest location": a hash aggregate, no sort. A pair with at least
# ``depth`` bits set is settled — nothing further away can beat those — and its sources
# are its lowest set bits, peeled off one at a time (``m & -m``). Only the few pairs still
# open (variants stocked in few places) are ranked the direct way, over their own stock.
# Bits are summed rather than OR-ed where BIT_OR is missing (SQLite): each location
# appears once per store, so the sum is the same.
_RING_BITS = """,
ranked_dist AS {materialized} (
    SELECT store_id, location_id, distance_km,
           ROW_NUMBER() OVER (PARTITION BY store_id ORDER BY distance_km, location_id) AS drank
    FROM dist
),
ring AS {materialized} (
    SELECT store_id, location_id, distance_km,
           CAST(1 AS bigint) << CAST(drank - 1 AS integer) AS bit
    FROM ranked_dist WHERE drank <= {ring}
),
masks AS {materialized} (
    SELECT a.variant_id, r.store_id, {bit_or}(r.bit) AS m, COUNT(*) AS n
    FROM avail a JOIN ring r ON r.location_id = a.location_id
    GROUP BY a.variant_id, r.store_id
),
picks (variant_id, store_id, rnk, rest, bit) AS (
    SELECT variant_id, store_id, 1, m - (m & -m), m & -m FROM masks WHERE n >= %(depth)s
    UNION ALL
    SELECT variant_id, store_id, rnk + 1, rest - (rest & -rest), rest & -rest
    FROM picks WHERE rnk < %(depth)s
),
open_pairs AS {materialized} (
    SELECT v.variant_id, st.id AS store_id
    FROM (SELECT DISTINCT variant_id FROM avail) v CROSS JOIN stores st
    EXCEPT
    SELECT variant_id, store_id FROM masks WHERE n >= %(depth)s
),
open_stock AS {materialized} (
    -- Joined before the distances on purpose: the open pairs are few, their stock small.
    SELECT a.product_id, a.variant_id, u.store_id, a.location_id, a.qty
    FROM open_pairs u JOIN avail a ON a.variant_id = u.variant_id
),
open_ranked AS (
    SELECT * FROM (
        SELECT u.product_id, u.variant_id, u.store_id, u.location_id, u.qty, n.distance_km,
               ROW_NUMBER() OVER (
                   PARTITION BY u.variant_id, u.store_id ORDER BY n.drank
               ) AS rnk
        FROM open_stock u
        JOIN ranked_dist n ON n.store_id = u.store_id AND n.location_id = u.location_id
    ) r WHERE r.rnk <= %(depth)s
),
fresh AS (
    SELECT a.product_id, p.variant_id, p.store_id, p.rnk, r.location_id, a.qty, r.distance_km
    FROM picks p
    JOIN ring r ON r.store_id = p.store_id AND r.bit = p.bit
    JOIN avail a ON a.variant_id = p.variant_id AND a.location_id = r.location_id
    UNION ALL
    SELECT product_id, variant_id, store_id, rnk, location_id, qty, distance_km
    FROM open_ranked
)"""


# PostgreSQL: write only what changed (most rows do not between two recomputes). One
# join of the fresh rows with the stored ones on their key finds the rows to insert or
# update and the rows to delete.
_WRITE_CHANGES = """,
stored AS MATERIALIZED (
    SELECT id, product_id, variant_id, store_id, rank, source_location_id, quantity,
           distance_km
    FROM {nearest} WHERE variant_id BETWEEN %(lo)s AND %(hi)s
),
diff AS MATERIALIZED (
    SELECT f.product_id, f.variant_id, f.store_id, f.rnk, f.location_id, f.qty,
           f.distance_km, s.id AS stored_id
    FROM fresh f FULL JOIN stored s
      ON s.variant_id = f.variant_id AND s.store_id = f.store_id AND s.rank = f.rnk
    WHERE s.id IS NULL OR f.variant_id IS NULL
       OR (s.product_id, s.source_location_id, s.quantity, s.distance_km)
          IS DISTINCT FROM (f.product_id, f.location_id, f.qty, f.distance_km)
),
upserted AS (
    INSERT INTO {nearest}
        (product_id, variant_id, store_id, rank, source_location_id, quantity, distance_km,
         computed_at)
    SELECT product_id, variant_id, store_id, rnk, location_id, qty, distance_km, %(now)s
    FROM diff WHERE variant_id IS NOT NULL
    ON CONFLICT (variant_id, store_id, rank) DO UPDATE SET
        product_id = EXCLUDED.product_id,
        source_location_id = EXCLUDED.source_location_id,
        quantity = EXCLUDED.quantity,
        distance_km = EXCLUDED.distance_km,
        computed_at = EXCLUDED.computed_at
    RETURNING 1
),
removed AS (
    DELETE FROM {nearest}
    WHERE id IN (SELECT stored_id FROM diff WHERE variant_id IS NULL)
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM upserted) + (SELECT COUNT(*) FROM removed)"""

# Variants without rows yet (and SQLite): insert every row.
_WRITE_ALL = """
SELECT product_id, variant_id, store_id, rnk, location_id, qty, distance_km, %(now)s
FROM fresh
ORDER BY variant_id, store_id, rnk"""


def _refresh_sql(*, two_step: bool, only_changes: bool) -> str:
    """The statement that recomputes the rows of variants lo..hi: writing only the rows
    that changed (PostgreSQL, when the variants have rows), or inserting them all."""
    depth = availability_depth()
    body = ("WITH RECURSIVE" + _BASE + _RING_BITS) if two_step else ("WITH" + _BASE + _DIRECT)
    if only_changes:
        sql = body + _WRITE_CHANGES
    else:
        sql = (
            "INSERT INTO {nearest} (product_id, variant_id, store_id, rank, "
            "source_location_id, quantity, distance_km, computed_at)\n" + body + _WRITE_ALL
        )
    postgres = connection.vendor == "postgresql"
    return sql.format(
        **_tables(),
        materialized="MATERIALIZED" if postgres else "",
        bit_or="BIT_OR" if postgres else "SUM",
        ring=_ring_width(depth),
    )


# Below this many variants the direct statement is cheaper than the bitmask one.
_TWO_STEP_FROM = 20


def _refresh_range(*, lo: int, hi: int, variant_ids: Sequence[int]) -> int:
    """Recompute the rows of variants lo..hi in the caller's transaction; the number of
    rows written (on PostgreSQL only the rows that changed: inserted, updated, deleted)."""
    params = {
        "store_kind": Location.Kind.STORE,
        "lo": lo,
        "hi": hi,
        "depth": availability_depth(),
        "now": timezone.now(),
    }
    two_step = len(variant_ids) >= _TWO_STEP_FROM
    existing = NearestAvailability.objects.filter(variant_id__gte=lo, variant_id__lte=hi)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # SQLite serialises writers; the embedded demo is small: replace the rows.
            existing.delete()
            cursor.execute(_refresh_sql(two_step=two_step, only_changes=False), params)
            return max(cursor.rowcount, 0)
        # JIT compiling this statement costs more than running it; the sorts fit in memory.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # The planner cannot estimate CTE sizes; it picks merge joins that sort hundreds
        # of thousands of rows where hash joins on the small side are many times faster.
        cursor.execute("SET LOCAL enable_mergejoin = off")
        for bucket in sorted({v // _LOCK_BUCKET for v in variant_ids}):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::int, %s::int)", [_LOCK_NAMESPACE, bucket]
            )
        if existing.exists():
            cursor.execute(_refresh_sql(two_step=two_step, only_changes=True), params)
            return cursor.fetchone()[0]
        cursor.execute(_refresh_sql(two_step=two_step, only_changes=False), params)
        return max(cursor.rowcount, 0)


def _lock_buckets(variant_ids: Sequence[int]) -> None:
    """Take the refresh locks of these variants' buckets (PostgreSQL; held to commit)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for bucket in sorted({v // _LOCK_BUCKET for v in variant_ids}):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::int, %s::int)", [_LOCK_NAMESPACE, bucket]
            )


def _salable_where(variant_id: int) -> tuple[set[int], bool]:
    """Where the precomputed rows say the variant is salable: the stores with their own
    units, and whether any source ships online orders. 1 query."""
    rows = NearestAvailability.objects.filter(variant_id=variant_id).values_list(
        "store_id", "source_location_id", "source_location__ships_online_orders"
    )
    stores: set[int] = set()
    online = False
    for store_id, source_id, ships in rows:
        if store_id == source_id:
            stores.add(store_id)
        online = online or ships
    return stores, online


@transaction.atomic
def availability_refresh_variant(*, variant_id: int) -> int:
    """Recompute one variant's nearest availability at every store; rows written.
    One transaction; waits for a recompute batch covering the variant to finish.

    Where the variant became salable (at a store's own shelf, or online) compared with
    the rows it replaced, ``inventory.signals.availability_gained`` tells the one app
    that waits for it (back-in-stock alerts), in this transaction. The lock is taken
    before the old rows are read, so two refreshes of one variant never both see the
    same change."""
    _lock_buckets([variant_id])
    stores_before, online_before = _salable_where(variant_id)
    rows = _refresh_range(lo=variant_id, hi=variant_id, variant_ids=[variant_id])
    if rows:
        stores_after, _online = _salable_where(variant_id)
        online_after = _online_salable(variant_id)
        gained = sorted(stores_after - stores_before)
        online_gained = online_after and not online_before
        if gained or online_gained:
            availability_gained.send(
                sender=NearestAvailability,
                variant_id=variant_id,
                store_ids=gained,
                online=online_gained,
            )
    return rows


def _online_salable(variant_id: int) -> bool:
    """Salable at any active location that ships online orders (the product page's
    "Ships in N days"). 1 query."""
    return (
        Stock.objects.with_salable()
        .filter(
            variant_id=variant_id,
            location__is_active=True,
            location__ships_online_orders=True,
            salable__gt=0,
        )
        .exists()
    )


@transaction.atomic
def availability_refresh_variants(*, variant_ids: Iterable[int]) -> int:
    """Recompute these variants' nearest availability now (the admin's action); rows
    written. One transaction; runs of consecutive ids are refreshed together."""
    ids = sorted(set(variant_ids))
    rows = 0
    run: list[int] = []
    for variant_id in ids:
        if run and variant_id != run[-1] + 1:
            rows += _refresh_range(lo=run[0], hi=run[-1], variant_ids=run)
            run = []
        run.append(variant_id)
    if run:
        rows += _refresh_range(lo=run[0], hi=run[-1], variant_ids=run)
    return rows


def _cache_key(variant_id: int) -> str:
    return f"availability-refresh:{variant_id}"


def availability_refresh_scheduled(*, variant_id: int) -> int:
    """The debounced refresh (the worker's entry point): clears the variant's debounce
    mark first, so a change committed while this runs schedules another refresh."""
    cache.delete(_cache_key(variant_id))
    return availability_refresh_variant(variant_id=variant_id)


def _schedule(variant_ids: list[int]) -> None:
    from inventory.tasks import availability_refresh_variant as refresh_task

    window = availability_debounce_seconds()
    for variant_id in variant_ids:
        # Only the first change in a window schedules; the rest ride along with it. The
        # mark outlives the countdown a little so a lost task cannot block refreshes long.
        if cache.add(_cache_key(variant_id), 1, timeout=window + 60):
            refresh_task.apply_async(args=[variant_id], countdown=window)


def availability_refresh_later(*, variant_ids: Iterable[int]) -> None:
    """After the current transaction commits, schedule a debounced refresh of these
    variants: many changes to a variant within ``OMNI_AVAILABILITY_DEBOUNCE_SECONDS``
    make one refresh. With eager Celery (no Redis) the refresh runs at commit, inline.
    A failure to schedule is logged, never raised: the nightly recompute repairs it."""
    ids = sorted(set(variant_ids))
    if ids:
        transaction.on_commit(lambda: _schedule(ids), robust=True)


@dataclass(frozen=True)
class AvailabilityRecompute:
    variants: int
    rows: int
    seconds: float


def _variant_batches(batch_size: int) -> Iterator[list[int]]:
    """Variant ids in ascending batches (keyset pagination: memory stays flat). A batch
    ends on a lock-bucket boundary, so two batches never wait for each other's lock."""
    last = 0
    while True:
        ids = list(
            Variant.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return
        if len(ids) == batch_size:
            # The last bucket may go on past this batch: leave it whole to the next one.
            whole = [v for v in ids if v // _LOCK_BUCKET < ids[-1] // _LOCK_BUCKET]
            ids = whole or ids
        yield ids
        last = ids[-1]


def _refresh_batch(ids: list[int]) -> int:
    with transaction.atomic():
        return _refresh_range(lo=ids[0], hi=ids[-1], variant_ids=ids)


def _refresh_batch_in_thread(ids: list[int]) -> int:
    try:
        return _refresh_batch(ids)
    finally:
        connections.close_all()  # this worker thread's own connection


def availability_recompute_all(
    *,
    batch_size: int = 1000,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> AvailabilityRecompute:
    """Recompute nearest availability for every variant, set-based, ``batch_size``
    variants per transaction: memory stays flat whatever the catalogue size, and readers
    see a variant's old rows or its new ones. On PostgreSQL ``workers`` > 1 runs that many
    batches at once, each on its own connection. ``progress`` is called with the number of
    variants done after each batch. Rebuilds the LocationDistance table first if it is
    incomplete. Safe to run twice at once (and beside the incremental refreshes)."""
    started = time.monotonic()
    if not location_distances_complete():
        location_distances_rebuild()
    variants = rows = 0
    if workers <= 1 or connection.vendor != "postgresql":
        for ids in _variant_batches(batch_size):
            rows += _refresh_batch(ids)
            variants += len(ids)
            if progress:
                progress(len(ids))
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: dict[Future[int], int] = {}
            for ids in _variant_batches(batch_size):
                pending[pool.submit(_refresh_batch_in_thread, ids)] = len(ids)
                # A couple of batches queued per worker, no more: memory stays flat.
                while len(pending) >= 2 * workers:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        count = pending.pop(future)
                        rows += future.result()
                        variants += count
                        if progress:
                            progress(count)
            for future in as_completed(pending):
                rows += future.result()
                variants += pending[future]
                if progress:
                    progress(pending[future])
    return AvailabilityRecompute(
        variants=variants, rows=rows, seconds=round(time.monotonic() - started, 3)
    )
