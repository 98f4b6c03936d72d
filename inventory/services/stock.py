"""Stock services: the only write path to on-hand.

Every change of on-hand goes through ``_stock_change`` — one conditional UPDATE that
refuses, in the database, to take on-hand or reserved below zero or reserved above
on-hand — and writes a ``StockMovement`` with the on-hand it left, so the ledger of a
(variant, location) always sums to its on-hand. Each public service runs in one
transaction and raises an ``InventoryError`` instead of writing part of its work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from catalog.models import Variant
from inventory.errors import (
    CountRejected,
    InsufficientStock,
    InvalidQuantity,
    UnknownLocation,
    UnknownVariant,
)
from inventory.models import Stock, StockMovement
from stores.models import Associate, Location

# A typed reference to the row that caused a change: a model instance of any app
# (an order, a return, a transfer) or an explicit ("app_label.model", id) pair.
Reference = models.Model | tuple[str, str | int] | None

Reason = StockMovement.Reason

# Reasons a person may give for a manual adjustment.
ADJUST_REASONS = frozenset(
    {Reason.COUNT, Reason.DAMAGE, Reason.THEFT, Reason.CORRECTION, Reason.WRITE_OFF}
)
# Adjustments that can only take stock away.
_LOSS_REASONS = frozenset({Reason.DAMAGE, Reason.THEFT, Reason.WRITE_OFF})


@dataclass(frozen=True)
class Line:
    """A quantity of one variant, location left to the service (or implied by it)."""

    variant_id: int
    quantity: int


@dataclass(frozen=True)
class CountLine:
    """A figure counted on the shelf for one variant at one location."""

    variant_id: int
    location_id: int
    counted: int


@dataclass(frozen=True)
class StockLine:
    """A quantity of one variant at one location."""

    variant_id: int
    location_id: int
    quantity: int


# --- small shared pieces (used by the sibling service modules) ------------------------


def reference_fields(reference: Reference) -> dict[str, str]:
    if reference is None:
        return {"reference_type": "", "reference_id": ""}
    if isinstance(reference, models.Model):
        return {"reference_type": reference._meta.label_lower, "reference_id": str(reference.pk)}
    reference_type, reference_id = reference
    return {"reference_type": str(reference_type), "reference_id": str(reference_id)}


def _positive(quantity: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidQuantity(
            gettext("The quantity must be a whole number of at least 1."), quantity=quantity
        )
    return quantity


def normalise_lines(lines: Iterable[Line | tuple[int, int]]) -> list[Line]:
    """Lines as ``Line``s, quantities validated, the same variant merged into one line."""
    merged: dict[int, int] = {}
    for raw in lines:
        line = raw if isinstance(raw, Line) else Line(*raw)
        merged[line.variant_id] = merged.get(line.variant_id, 0) + _positive(line.quantity)
    if not merged:
        raise InvalidQuantity(gettext("At least one line is needed."))
    return [Line(variant_id, quantity) for variant_id, quantity in merged.items()]


def normalise_stock_lines(lines: Iterable[StockLine | tuple[int, int, int]]) -> list[StockLine]:
    """Stock lines validated, the same (variant, location) merged into one line."""
    merged: dict[tuple[int, int], int] = {}
    for raw in lines:
        line = raw if isinstance(raw, StockLine) else StockLine(*raw)
        key = (line.variant_id, line.location_id)
        merged[key] = merged.get(key, 0) + _positive(line.quantity)
    if not merged:
        raise InvalidQuantity(gettext("At least one line is needed."))
    return [StockLine(v, loc, q) for (v, loc), q in merged.items()]


def ensure_known(*, variant_ids: Iterable[int] = (), location_ids: Iterable[int] = ()) -> None:
    """Raise ``UnknownVariant`` / ``UnknownLocation`` for ids that do not exist."""
    variant_ids, location_ids = set(variant_ids), set(location_ids)
    if variant_ids:
        found = set(Variant.objects.filter(pk__in=variant_ids).values_list("pk", flat=True))
        if missing := sorted(variant_ids - found):
            raise UnknownVariant(gettext("Unknown SKU."), variant_ids=missing)
    if location_ids:
        found = set(Location.objects.filter(pk__in=location_ids).values_list("pk", flat=True))
        if missing := sorted(location_ids - found):
            raise UnknownLocation(gettext("Unknown location."), location_ids=missing)


def stock_ids_for(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """{(variant_id, location_id): stock id} for the pairs that have a stock row (1 query)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = Stock.objects.filter(
        variant_id__in={v for v, _ in pairs}, location_id__in={loc for _, loc in pairs}
    ).values_list("pk", "variant_id", "location_id")
    return {(v, loc): pk for pk, v, loc in rows if (v, loc) in pairs}


def stock_id_for_incoming(*, variant_id: int, location_id: int) -> int:
    """The stock row's id, creating the row when stock first arrives somewhere."""
    found = stock_ids_for([(variant_id, location_id)])
    if found:
        return found[(variant_id, location_id)]
    ensure_known(variant_ids=[variant_id], location_ids=[location_id])
    # ON CONFLICT DO NOTHING: a concurrent first receipt makes the same row, not an error.
    Stock.objects.bulk_create(
        [Stock(variant_id=variant_id, location_id=location_id)], ignore_conflicts=True
    )
    return Stock.objects.values_list("pk", flat=True).get(
        variant_id=variant_id, location_id=location_id
    )


def _salable_of(stock_id: int) -> int:
    return (
        Stock.objects.with_salable().values_list("salable", flat=True).filter(pk=stock_id).first()
        or 0
    )


_STOCK = Stock._meta.db_table
_LOCATION = Location._meta.db_table


def stock_change(
    stock_id: int,
    *,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    within_salable: bool = False,
) -> tuple[int, int] | None:
    """Move a stock row's counters in one conditional UPDATE; (on_hand, reserved) after it,
    or None when the row would break a rule (and then nothing changed).

    The condition is checked by the database on the row as it is when the UPDATE runs
    (PostgreSQL re-checks it after waiting for a concurrent writer), never on a value read
    earlier: two buyers racing for the last unit cannot both get it. ``within_salable``
    also keeps the location's safety stock back (online holds)."""
    q = connection.ops.quote_name
    conditions = [
        "id = %s",
        "on_hand + %s >= 0",
        "reserved + %s >= 0",
        "reserved + %s <= on_hand + %s",
    ]
    params: list = [stock_id, on_hand_delta, reserved_delta, reserved_delta, on_hand_delta]
    if within_salable:
        conditions.append(
            "on_hand - reserved - COALESCE(safety_stock, "
            f"(SELECT l.safety_stock FROM {q(_LOCATION)} l WHERE l.id = {q(_STOCK)}.location_id)"
            ") >= %s"
        )
        params.append(reserved_delta)
    sql = (
        f"UPDATE {q(_STOCK)} SET on_hand = on_hand + %s, reserved = reserved + %s, "
        f"updated_at = %s WHERE {' AND '.join(conditions)}"
    )
    params = [on_hand_delta, reserved_delta, timezone.now(), *params]
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            # PostgreSQL and SQLite >= 3.35: the new counters come back from the UPDATE.
            cursor.execute(f"{sql} RETURNING on_hand, reserved", params)
            row = cursor.fetchone()
            return (row[0], row[1]) if row else None
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            return None
        # The row is ours until commit, so this read sees exactly what we wrote.
        cursor.execute(f"SELECT on_hand, reserved FROM {q(_STOCK)} WHERE id = %s", [stock_id])
        row = cursor.fetchone()
        return row[0], row[1]


def stock_reserve_many(holds: Sequence[tuple[int, int]], *, within_salable: bool) -> set[int]:
    """Raise ``reserved`` on several stock rows (stock id, units) in one conditional
    UPDATE; the ids it could hold (the others would have gone past what is salable, or
    past on-hand without ``within_salable``). The caller has locked the rows in primary-key
    order, so concurrent multi-row holds cannot deadlock; the condition is still checked
    by the database on each row as the UPDATE finds it."""
    q = connection.ops.quote_name
    wanted = " UNION ALL ".join(["SELECT %s AS sid, %s AS n"] * len(holds))
    if within_salable:
        condition = (
            "s.on_hand - s.reserved - COALESCE(s.safety_stock, "
            f"(SELECT l.safety_stock FROM {q(_LOCATION)} l WHERE l.id = s.location_id)) >= v.n"
        )
    else:
        condition = "s.reserved + v.n <= s.on_hand"
    sql = (
        f"UPDATE {q(_STOCK)} AS s SET reserved = s.reserved + v.n, updated_at = %s "
        f"FROM ({wanted}) AS v WHERE s.id = v.sid AND {condition} RETURNING id"
    )
    params: list = [timezone.now()]
    for stock_id, units in holds:
        params += [stock_id, units]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def can_reserve_many() -> bool:
    """UPDATE ... FROM ... RETURNING: PostgreSQL, SQLite >= 3.35."""
    return connection.features.can_return_columns_from_insert


def movement(
    *,
    variant_id: int,
    location_id: int,
    delta: int,
    on_hand_after: int,
    reason: str,
    reference: Reference = None,
    associate: Associate | None = None,
    actor: str = "",
    note: str = "",
) -> StockMovement:
    """An unsaved ledger row; ``movements_record`` writes it."""
    return StockMovement(
        variant_id=variant_id,
        location_id=location_id,
        delta=delta,
        on_hand_after=on_hand_after,
        reason=reason,
        associate=associate,
        actor=actor[:120],
        note=note[:255],
        **reference_fields(reference),
    )


def movements_record(entries: Sequence[StockMovement]) -> list[StockMovement]:
    """The one place ledger rows are written: one bulk insert, a debounced availability
    refresh of their variants after commit, and one ``stock.changed`` webhook event for
    the batch (recorded in the caller's transaction, delivered after commit; no query
    when nobody subscribes)."""
    from omni.api.webhooks import webhook_stock_changed_record

    entries = list(entries)
    if not entries:
        return entries
    StockMovement.objects.bulk_create(entries)
    schedule_availability({entry.variant_id for entry in entries})
    webhook_stock_changed_record(movements=entries)
    return entries


def schedule_availability(variant_ids: Iterable[int]) -> None:
    from inventory.services.availability import availability_refresh_later

    availability_refresh_later(variant_ids=variant_ids)


def shortage(
    *, variant_id: int, location_id: int, requested: int, stock_id: int | None
) -> dict[str, int]:
    return {
        "variant_id": variant_id,
        "location_id": location_id,
        "requested": requested,
        "salable": _salable_of(stock_id) if stock_id else 0,
        "on_hand": (
            Stock.objects.values_list("on_hand", flat=True).filter(pk=stock_id).first() or 0
            if stock_id
            else 0
        ),
    }


# --- services -------------------------------------------------------------------------


def _stock_increase(
    *,
    variant_id: int,
    location_id: int,
    quantity: int,
    reason: str,
    reference: Reference,
    associate: Associate | None,
    actor: str,
    note: str,
) -> StockMovement:
    _positive(quantity)
    stock_id = stock_id_for_incoming(variant_id=variant_id, location_id=location_id)
    on_hand, _ = stock_change(stock_id, on_hand_delta=quantity)
    entry = movement(
        variant_id=variant_id,
        location_id=location_id,
        delta=quantity,
        on_hand_after=on_hand,
        reason=reason,
        reference=reference,
        associate=associate,
        actor=actor,
        note=note,
    )
    movements_record([entry])
    return entry


@transaction.atomic
def stock_receive(
    *,
    variant_id: int,
    location_id: int,
    quantity: int,
    reference: Reference = None,
    associate: Associate | None = None,
    actor: str = "",
    note: str = "",
) -> StockMovement:
    """Goods received at a location (a delivery, a PO). Creates the stock row on first
    receipt. Locks the stock row. Raises UnknownVariant, UnknownLocation, InvalidQuantity."""
    return _stock_increase(
        variant_id=variant_id,
        location_id=location_id,
        quantity=quantity,
        reason=Reason.RECEIVE,
        reference=reference,
        associate=associate,
        actor=actor,
        note=note,
    )


@transaction.atomic
def stock_restock_return(
    *,
    variant_id: int,
    location_id: int,
    quantity: int,
    reference: Reference = None,
    associate: Associate | None = None,
    actor: str = "",
    note: str = "",
) -> StockMovement:
    """A returned item put back on sale at the location that received the return.
    Locks the stock row. Raises UnknownVariant, UnknownLocation, InvalidQuantity."""
    return _stock_increase(
        variant_id=variant_id,
        location_id=location_id,
        quantity=quantity,
        reason=Reason.RETURN_RESTOCK,
        reference=reference,
        associate=associate,
        actor=actor,
        note=note,
    )


@transaction.atomic
def stock_adjust(
    *,
    variant_id: int,
    location_id: int,
    delta: int,
    reason: str,
    note: str = "",
    reference: Reference = None,
    associate: Associate | None = None,
    actor: str = "",
) -> StockMovement:
    """A manual correction of on-hand by ``delta`` units, for a reason in ADJUST_REASONS
    (damage, theft and write-off only take away). Locks the stock row.

    Raises InvalidQuantity (zero delta, bad reason or sign), InsufficientStock (the
    result would be below zero or below what is reserved), UnknownVariant/Location."""
    if reason not in ADJUST_REASONS:
        raise InvalidQuantity(
            gettext("Pick a reason: count, damage, theft, correction or write-off."), reason=reason
        )
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InvalidQuantity(
            gettext("An adjustment changes stock by at least one unit."), delta=delta
        )
    if reason in _LOSS_REASONS and delta > 0:
        raise InvalidQuantity(
            gettext("A “%(reason)s” adjustment can only remove stock.")
            % {"reason": Reason(reason).label},
            delta=delta,
        )
    if delta > 0:
        return _stock_increase(
            variant_id=variant_id,
            location_id=location_id,
            quantity=delta,
            reason=reason,
            reference=reference,
            associate=associate,
            actor=actor,
            note=note,
        )
    stock_id = stock_ids_for([(variant_id, location_id)]).get((variant_id, location_id))
    result = stock_change(stock_id, on_hand_delta=delta) if stock_id else None
    if result is None:
        if stock_id is None:
            ensure_known(variant_ids=[variant_id], location_ids=[location_id])
        raise InsufficientStock(
            gettext("Stock cannot go below zero or below what is reserved."),
            **shortage(
                variant_id=variant_id, location_id=location_id, requested=-delta, stock_id=stock_id
            ),
        )
    entry = movement(
        variant_id=variant_id,
        location_id=location_id,
        delta=delta,
        on_hand_after=result[0],
        reason=reason,
        reference=reference,
        associate=associate,
        actor=actor,
        note=note,
    )
    movements_record([entry])
    return entry


@transaction.atomic
def stock_cycle_count(
    *,
    variant_id: int,
    location_id: int,
    counted: int,
    associate: Associate | None = None,
    actor: str = "",
    note: str = "",
) -> StockMovement | None:
    """Set on-hand to the figure counted on the shelf; the difference is written to the
    ledger as a cycle-count movement (None when the count matches). Locks the stock row
    (SELECT ... FOR UPDATE) so the difference is taken against the current figure.

    Raises InvalidQuantity (negative count), InsufficientStock (fewer units counted
    than are reserved: release or move those holds first), UnknownVariant/Location."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise InvalidQuantity(
            gettext("A count is a whole number of zero or more."), counted=counted
        )
    stock_id = stock_id_for_incoming(variant_id=variant_id, location_id=location_id)
    on_hand, reserved = (
        Stock.objects.select_for_update().values_list("on_hand", "reserved").get(pk=stock_id)
    )
    delta = counted - on_hand
    if delta == 0:
        return None
    if counted < reserved:
        raise InsufficientStock(
            _reserved_here(reserved, counted),
            variant_id=variant_id,
            location_id=location_id,
            counted=counted,
            reserved=reserved,
        )
    on_hand_after, _ = stock_change(stock_id, on_hand_delta=delta)
    entry = movement(
        variant_id=variant_id,
        location_id=location_id,
        delta=delta,
        on_hand_after=on_hand_after,
        reason=Reason.CYCLE_COUNT,
        associate=associate,
        actor=actor,
        note=note,
    )
    movements_record([entry])
    return entry


# SQLite caps a compound SELECT at 500 terms; PostgreSQL takes the batch in one statement.
_SQLITE_UPDATE_CHUNK = 400


def _stock_set_on_hand(figures: Sequence[tuple[int, int]]) -> None:
    """Set on-hand of several (locked) stock rows, (stock id, on-hand), in one UPDATE ...
    FROM a list of values (a few on SQLite)."""
    q = connection.ops.quote_name
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    chunk = len(figures) if postgres else _SQLITE_UPDATE_CHUNK
    with connection.cursor() as cursor:
        for start in range(0, len(figures), chunk):
            part = figures[start : start + chunk]
            if postgres:
                values = "VALUES " + ", ".join(["(%s::bigint, %s::int)"] * len(part))
                source = f"({values}) AS v(sid, n)"
            else:
                source = (
                    "(" + " UNION ALL ".join(["SELECT %s AS sid, %s AS n"] * len(part)) + ") AS v"
                )
            params: list = [now]
            for stock_id, on_hand in part:
                params += [stock_id, on_hand]
            cursor.execute(
                f"UPDATE {q(_STOCK)} SET on_hand = v.n, updated_at = %s FROM {source} "
                f"WHERE {q(_STOCK)}.id = v.sid",
                params,
            )


def _reserved_here(reserved: int, counted: int) -> str:
    return ngettext(
        "%(reserved)s unit is reserved here; release that hold before counting %(counted)s.",
        "%(reserved)s units are reserved here; release those holds before counting %(counted)s.",
        reserved,
    ) % {"reserved": reserved, "counted": counted}


def _rejected(errors: dict) -> str:
    return ngettext(
        "%(count)s row could not be applied; nothing was applied.",
        "%(count)s rows could not be applied; nothing was applied.",
        len(errors),
    ) % {"count": len(errors)}


def _count_figure_error(counted) -> str | None:
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        return gettext("A count is a whole number of zero or more.")
    return None


@transaction.atomic
def stock_cycle_count_many(
    *,
    rows: Sequence[CountLine | tuple[int, int, int]],
    associate: Associate | None = None,
    actor: str = "",
    note: str = "",
) -> list[StockMovement | None]:
    """Apply a batch of shelf counts (a POS or WMS upload): each row sets on-hand of
    (variant, location) to ``counted`` and the difference goes to the ledger as a
    cycle-count movement. Returns, per row in the order given, its movement (None when
    the count matched).

    All or nothing: every row is checked first and ``CountRejected`` lists every failing
    row (bad figure, the same row twice, unknown SKU or location, fewer units counted than
    are reserved) with nothing written. Locks the stock rows in one read in primary-key
    order (the order every stock writer uses, so overlapping batches cannot deadlock),
    then one UPDATE ... FROM VALUES, one bulk insert of movements, one availability
    refresh per variant and one ``stock.changed`` event."""
    lines = [raw if isinstance(raw, CountLine) else CountLine(*raw) for raw in rows]
    if not lines:
        raise InvalidQuantity(gettext("At least one row is needed."))
    errors: dict[int, dict[str, str]] = {}

    def reject(index: int, code: str, message: str) -> None:
        errors.setdefault(index, {"code": code, "message": message})

    seen: dict[tuple[int, int], int] = {}
    for index, line in enumerate(lines):
        if message := _count_figure_error(line.counted):
            reject(index, InvalidQuantity.code, message)
        key = (line.variant_id, line.location_id)
        if key in seen:
            reject(
                index,
                "duplicate",
                gettext("Counted twice in this batch (row %(row)s).") % {"row": seen[key]},
            )
        seen.setdefault(key, index)

    ids = stock_ids_for(seen)
    if missing := [key for key in seen if key not in ids]:
        # First counts somewhere: the SKU and the location must exist (two queries).
        variants = set(
            Variant.objects.filter(pk__in={v for v, _ in missing}).values_list("pk", flat=True)
        )
        locations = set(
            Location.objects.filter(pk__in={loc for _, loc in missing}).values_list("pk", flat=True)
        )
        for index, line in enumerate(lines):
            if (line.variant_id, line.location_id) in ids:
                continue
            if line.variant_id not in variants:
                reject(index, UnknownVariant.code, gettext("Unknown SKU."))
            elif line.location_id not in locations:
                reject(index, UnknownLocation.code, gettext("Unknown location."))
        if not errors:
            # ON CONFLICT DO NOTHING: a concurrent first receipt makes the same row.
            Stock.objects.bulk_create(
                [Stock(variant_id=v, location_id=loc) for v, loc in missing],
                ignore_conflicts=True,
            )
            ids = stock_ids_for(seen)
    if errors:
        raise CountRejected(
            _rejected(errors),
            rows=dict(sorted(errors.items())),
        )

    current = {
        pk: (on_hand, reserved)
        for pk, on_hand, reserved in Stock.objects.select_for_update()
        .filter(pk__in=ids.values())
        .order_by("pk")
        .values_list("pk", "on_hand", "reserved")
    }
    changes: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        on_hand, reserved = current[ids[(line.variant_id, line.location_id)]]
        if line.counted != on_hand and line.counted < reserved:
            reject(
                index,
                InsufficientStock.code,
                _reserved_here(reserved, line.counted),
            )
    if errors:
        raise CountRejected(
            _rejected(errors),
            rows=dict(sorted(errors.items())),
        )
    results: list[StockMovement | None] = []
    entries: list[StockMovement] = []
    for line in lines:
        stock_id = ids[(line.variant_id, line.location_id)]
        on_hand, _ = current[stock_id]
        if line.counted == on_hand:
            results.append(None)
            continue
        changes.append((stock_id, line.counted))
        entry = movement(
            variant_id=line.variant_id,
            location_id=line.location_id,
            delta=line.counted - on_hand,
            on_hand_after=line.counted,
            reason=Reason.CYCLE_COUNT,
            associate=associate,
            actor=actor,
            note=note,
        )
        entries.append(entry)
        results.append(entry)
    if changes:
        _stock_set_on_hand(sorted(changes))
        movements_record(entries)
    return results


def stock_sell_many(sales: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Take on-hand off several stock rows (stock id, units) in one conditional UPDATE;
    {stock id: on-hand after} for the rows it could sell (the others would have sold
    units reserved for others, and were left as they were). The caller has locked the
    rows in primary-key order; the condition is still checked by the database on each
    row as the UPDATE finds it, so two tills racing for the last unit cannot both get it."""
    q = connection.ops.quote_name
    wanted = " UNION ALL ".join(["SELECT %s AS sid, %s AS n"] * len(sales))
    sql = (
        f"UPDATE {q(_STOCK)} AS s SET on_hand = s.on_hand - v.n, updated_at = %s "
        f"FROM ({wanted}) AS v WHERE s.id = v.sid AND s.reserved <= s.on_hand - v.n "
        "RETURNING id, on_hand"
    )
    params: list = [timezone.now()]
    for stock_id, units in sales:
        params += [stock_id, units]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row[1] for row in cursor.fetchall()}


def _sell_at_once(sales: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Two statements whatever the size of the basket: lock the rows in primary-key
    order, then one conditional UPDATE over all of them."""
    if connection.vendor == "postgresql" and len(sales) > 1:
        # A fixed lock order: two tills selling the same SKUs in opposite orders queue
        # behind each other instead of deadlocking (one row needs no order).
        list(
            Stock.objects.select_for_update()
            .filter(pk__in=[stock_id for stock_id, _ in sales])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return stock_sell_many(sales)


def _sell_one_by_one(sales: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Older SQLite (no UPDATE ... RETURNING): one conditional UPDATE per row, in
    primary-key order."""
    sold: dict[int, int] = {}
    for stock_id, units in sorted(sales):
        if result := stock_change(stock_id, on_hand_delta=-units):
            sold[stock_id] = result[0]
    return sold


@transaction.atomic
def stock_sell(
    *,
    location_id: int,
    lines: Sequence[Line | tuple[int, int]],
    reference: Reference = None,
    associate: Associate | None = None,
    actor: str = "",
) -> list[StockMovement]:
    """A sale on the store floor (the shopper hands the items over at the till): on-hand
    goes down by each line. Units reserved for others (pickups, carts) are not sold; the
    display shelf is (safety stock is for the web only). All lines or none.

    A constant number of statements whatever the number of lines (the rows are locked in
    primary-key order, then moved by one conditional UPDATE). Raises InsufficientStock
    naming every short line, InvalidQuantity, UnknownVariant/UnknownLocation."""
    lines = normalise_lines(lines)
    ids = stock_ids_for((line.variant_id, location_id) for line in lines)
    if len(ids) < len(lines):
        ensure_known(variant_ids=[line.variant_id for line in lines], location_ids=[location_id])
    sales = [
        (ids[(line.variant_id, location_id)], line.quantity)
        for line in lines
        if (line.variant_id, location_id) in ids
    ]
    sold = {}
    if sales:
        sold = _sell_at_once(sales) if can_reserve_many() else _sell_one_by_one(sales)
    short: list[dict[str, int]] = []
    entries: list[StockMovement] = []
    for line in lines:
        stock_id = ids.get((line.variant_id, location_id))
        if stock_id not in sold:
            short.append(
                shortage(
                    variant_id=line.variant_id,
                    location_id=location_id,
                    requested=line.quantity,
                    stock_id=stock_id,
                )
            )
            continue
        entries.append(
            movement(
                variant_id=line.variant_id,
                location_id=location_id,
                delta=-line.quantity,
                on_hand_after=sold[stock_id],
                reason=Reason.SALE,
                reference=reference,
                associate=associate,
                actor=actor,
            )
        )
    if short:
        # The atomic block rolls back the rows the UPDATE did move.
        raise InsufficientStock(gettext("Not enough stock to sell."), lines=short)
    return movements_record(entries)
