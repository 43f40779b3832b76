"""Insert many rows at once, for the hot paths: bulk imports and batch processing.

`QuerySet.bulk_create` compiles SQL for every value of every row (and asks the database for
the new ids); for the learners, blocking keys and audit rows an import or a batch chunk writes,
that cost more than the writes themselves. These helpers send the rows the fastest way each
database offers: COPY on PostgreSQL, one prepared INSERT through `executemany` on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows of database-ready values into the model's table, in the columns named."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608 - names come from model metadata


def insert_objects(model: type[models.Model], objects: Iterable[models.Model]) -> int:
    """Insert unsaved model objects, as `bulk_create` would but without their new ids.

    Each field's own `pre_save` and `get_db_prep_save` give the values, as in `bulk_create`,
    so defaults, `auto_now_add` and JSON encoding are the same. Returns how many were inserted.
    """
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    # The connection itself, not the `connection` proxy, whose every attribute is a
    # thread-local look-up: the fields consult it several times per value.
    current = connections[DEFAULT_DB_ALIAS]
    rows = [
        [field.get_db_prep_save(field.pre_save(obj, True), current) for field in fields]
        for obj in objects
    ]
    # Concrete fields are those with a column (Django sets `concrete = column is not None`).
    columns = [field.column for field in fields if field.column is not None]
    insert_rows(model, columns, rows)
    return len(rows)


_ROWS_PER_STATEMENT = 1000


def insert_new_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows of database-ready values, skipping any whose key is already in the table.

    `INSERT … ON CONFLICT DO NOTHING` (PostgreSQL, and SQLite since 3.24) with many rows per
    statement: a batch chunk records what it learnt in one statement, whoever recorded it first.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    row_placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            part = rows[start : start + _ROWS_PER_STATEMENT]
            values = ", ".join([row_placeholders] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values} ON CONFLICT DO NOTHING",  # noqa: S608 - names come from model metadata
                [value for row in part for value in row],
            )
