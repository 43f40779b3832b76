"""Model instances from plain SQL, for the few statements every API request makes.

Compiling a query through the ORM costs far more CPU than the database takes to answer a
look-up by a unique key (a `select_related` of 44 columns: about 2.5 ms against 0.1 ms for the
statement itself). These helpers build the column list once per process from the model's
metadata and turn each row into the instance the ORM would have made: every concrete field,
converted by the same converters (JSON decoded; SQLite's dates, times and booleans parsed),
through `Model.from_db`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


@functools.cache
def column_list(model: type[Model], alias: str) -> str:
    """`alias."col1", alias."col2", …`: the model's concrete columns, in field order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(f.column))}" for f in model._meta.concrete_fields)


def column_count(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


@functools.cache
def _reading(model: type[Model]) -> tuple[list[str], list[tuple[int, Any, list[Any]]]]:
    """The concrete fields' names, and for each column that has converters its position, the
    expression the ORM passes them and the converters (on PostgreSQL only the JSON columns
    have any: the other values are used as they come)."""
    converters = []
    for index, field in enumerate(model._meta.concrete_fields):
        expression = field.get_col(model._meta.db_table)
        steps = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
        if steps:
            converters.append((index, expression, steps))
    return [field.attname for field in model._meta.concrete_fields], converters


def instance(model: type[M], values: Sequence[Any]) -> M:
    """The instance of a row's values for `column_list(model, …)`, as the ORM would load it."""
    names, converters = _reading(model)
    if len(values) != len(names):
        raise ValueError(f"{len(values)} values for the {len(names)} columns of {model.__name__}")
    converted = list(values)
    for index, expression, steps in converters:
        value = converted[index]
        for convert in steps:
            value = convert(value, expression, connection)
        converted[index] = value
    loaded: M = model.from_db(connection.alias, names, converted)
    return loaded


# SQLite allows 32,766 parameters in a statement; stay well below.
_IDS_PER_STATEMENT = 1000


def load_by(model: type[M], column: str, values: Sequence[Any]) -> list[M]:
    """The instances whose `column` is one of `values` (a primary or unique key), in no order."""
    quote = connection.ops.quote_name
    found: list[M] = []
    with prepared_cursor() as cursor:
        for start in range(0, len(values), _IDS_PER_STATEMENT):
            part = values[start : start + _IDS_PER_STATEMENT]
            where = "= %s" if len(part) == 1 else f"IN ({', '.join(['%s'] * len(part))})"
            cursor.execute(
                f"SELECT {column_list(model, 't')} FROM {quote(model._meta.db_table)} t "  # noqa: S608 - names come from model metadata
                f"WHERE t.{quote(column)} {where}",
                list(part),
            )
            found.extend(instance(model, row) for row in cursor.fetchall())
    return found


@contextlib.contextmanager
def prepared_cursor() -> Iterator[Any]:
    """Django's cursor, but on PostgreSQL one whose statements the server parses and plans once
    per connection: psycopg prepares a statement (with server-side parameters) at its fifth
    use on the connection, and then only binds and runs it.

    For the few statements every API request makes, whose planning cost the server more than
    running them: the token look-up (a join of three tables) took 0.29 ms of PostgreSQL's CPU
    planned each time and 0.14 ms prepared. Behind a pooler that cannot carry prepared
    statements (pgbouncer in transaction mode before 1.21), LRS_DB_PREPARED_STATEMENTS=0
    gives the plain cursor (docs/deploy.md).
    """
    if connection.vendor != "postgresql" or not settings.LRS_DB_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    # What `connection.cursor()` does, with a server-binding psycopg cursor in the wrapper.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw: Any = psycopg.Cursor(connection.connection)
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        yield cursor
