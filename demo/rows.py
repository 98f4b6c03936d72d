"""Writing generated rows fast. The seed builds plain dicts (field attname → value), not
model instances: at a few million rows, ``Model.__init__`` and ``bulk_create``'s per-field
preparation cost ~300 µs a row on a busy two-core box, twenty-odd minutes for the large
scale. On PostgreSQL the rows go in with ``COPY … FROM STDIN`` instead, ids drawn from the
table's own sequence beforehand (exactly what an insert would have taken, so later inserts
never collide); elsewhere ``DemoWorld.insert`` falls back to ``bulk_create``."""

from __future__ import annotations

import datetime as dt
from operator import itemgetter
from typing import Any

from django.db import connection, models
from psycopg import sql
from psycopg.types.json import Jsonb

Row = dict[str, Any]


def _ids_allocate(model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, count],
        )
        return [row[0] for row in cursor.fetchall()]


def tables_analyze(models_: list[type[models.Model]]) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load: fresh tables look empty
    to the planner until autovacuum gets to them, and queries right after the seed (the
    availability recompute) would plan for empty tables."""
    with connection.cursor() as cursor:
        for table in sorted({m._meta.db_table for m in models_}):
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def copy_insert(model: type[models.Model], rows: list[Row], *, now: dt.datetime, ids: bool) -> None:
    """COPY ``rows`` into the model's table; with ``ids``, draw their ids first and set
    ``row["id"]`` on each (otherwise the table's identity default numbers them)."""
    pk = model._meta.pk.attname
    if ids:
        for row, new_id in zip(rows, _ids_allocate(model, len(rows)), strict=True):
            row[pk] = new_id
    # Rows built by one piece of code share their keys: one COPY per shape.
    shapes: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        shapes.setdefault(tuple(row), []).append(row)
    for keys, group in shapes.items():
        _copy_shape(model, keys, group, now)


def _copy_shape(
    model: type[models.Model], keys: tuple[str, ...], rows: list[Row], now: dt.datetime
) -> None:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(keys) - fields.keys()
    if unknown:  # what Model(**row) would have refused
        raise TypeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    missing = [f for f in fields.values() if f.attname not in keys and not f.primary_key]
    # A unique field's callable default (a token) must be drawn per row; any other
    # default ("", None, {}, the time) is one value for the whole batch.
    per_row = [f for f in missing if f.unique and callable(f.default)]
    constant = [f for f in missing if f not in per_row]
    tail = tuple(
        _adapt(f, now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
               else f.get_default())
        for f in constant
    )  # fmt: skip
    json_positions = [i for i, key in enumerate(keys) if isinstance(fields[key], models.JSONField)]
    columns = [fields[key].column for key in keys] + [f.column for f in (*per_row, *constant)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    values_of = itemgetter(*keys)
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = values_of(row)
            if json_positions:
                values = list(values)
                for i in json_positions:
                    values[i] = _adapt(fields[keys[i]], values[i])
                values = tuple(values)
            if per_row:
                values += tuple(f.get_default() for f in per_row)
            copy.write_row(values + tail)


def _adapt(field: models.Field, value: Any) -> Any:
    return Jsonb(value) if isinstance(field, models.JSONField) and value is not None else value
