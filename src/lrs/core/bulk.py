"""Insert many rows at once, for the hot paths: bulk imports and batch processing.

`QuerySet.bulk_create` compiles SQL for every value of every row (and asks the database for
the new ids); for the learners, blocking keys and audit rows an import or a batch chunk writes,
that cost more than the writes themselves. These helpers send the rows the fastest way each
database offers: COPY on PostgreSQL, one prepared INSERT through `executemany` on SQLite.

`secondary_indexes_set_aside` drops a table's non-unique indexes for a bulk load into it and
builds them again afterwards (PostgreSQL), which costs far less than maintaining them row by row;
and, for tables whose rows the load writes only in ways that cannot break them, their unique
and foreign-key constraints too, and primary keys no foreign key refers to
(`load_constraints`), checked once for the whole table when they are added back.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction


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


# Characters COPY's text format escapes; a value without them is written as it is.
_COPY_SPECIAL = ("\\", "\t", "\n", "\r")


def copy_text(values: Sequence[Any]) -> str:
    """Database-ready values as one line of COPY's text format, without its newline, for
    `insert_copy_text`: what psycopg's COPY would send for them, worked out wherever the values
    are (a worker process, say) rather than in the process that writes."""
    texts = [value if type(value) is str else _copy_value(value) for value in values]
    # Nearly always no text holds a character COPY escapes: one look over them all.
    strings = "".join([value for value in values if type(value) is str])
    if any(special in strings for special in _COPY_SPECIAL):
        return "\t".join(_copy_value(value) for value in values)
    return "\t".join(texts)


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        if any(special in value for special in _COPY_SPECIAL):
            for special, escaped in _COPY_ESCAPES:
                value = value.replace(special, escaped)
        return value
    if isinstance(value, int | float | datetime.date):  # a datetime is a date too
        return str(value)  # ISO 8601 with a space, as PostgreSQL reads it
    raise TypeError(f"no COPY text for a {type(value).__name__}")


_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def insert_copy_text(model: type[models.Model], columns: Sequence[str], text: str) -> None:
    """Insert rows given as COPY text (lines of `copy_text`, each ending in a newline) into the
    model's table, in the columns named: PostgreSQL only."""
    if not text:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        copy.write(text)


def insert_grouped_rows(
    model: type[models.Model],
    columns: tuple[str, str],
    groups: Sequence[tuple[int, Sequence[str]]],
) -> None:
    """Insert a row (owner, value) for every value of every (owner, values) group, as
    `insert_rows` would: a learner's blocking keys, say.

    On PostgreSQL the COPY text is written in one piece rather than row by row (an import
    writes about six keys per learner); should a value hold a character COPY escapes, the rows
    go through `insert_rows` instead.
    """
    if connection.vendor == "postgresql":
        every_value = "".join(itertools.chain.from_iterable(values for _owner, values in groups))
        if not any(special in every_value for special in _COPY_SPECIAL):
            parts = []
            for owner, values in groups:
                if values:
                    prefix = f"{int(owner)}\t"
                    parts.append(prefix + f"\n{prefix}".join(values) + "\n")
            insert_copy_text(model, columns, "".join(parts))
            return
    insert_rows(model, columns, [(owner, value) for owner, values in groups for value in values])


def insert_for_ids(
    model: type[models.Model],
    columns: Sequence[str],
    values: Sequence[Any],
    id_column: str,
    ids: Sequence[int],
) -> None:
    """Insert one row for each of `ids`, its id in `id_column` and the same database-ready
    `values` in `columns` (the audit row of each learner an import wrote, say).

    On PostgreSQL, for a run of ids (a `range`, as an import's new learner ids are), the server
    makes the rows itself from `generate_series`: nothing is sent or formatted per row. Otherwise
    as `insert_rows`.
    """
    if not ids:
        return
    if connection.vendor != "postgresql" or not isinstance(ids, range) or ids.step != 1:
        insert_rows(model, (*columns, id_column), [(*values, each) for each in ids])
        return
    quote = connection.ops.quote_name
    fields = {field.column: field for field in model._meta.concrete_fields}
    # Each value cast to its column's type: a parameter in a select list is otherwise taken for
    # text, which PostgreSQL will not assign to a jsonb or integer column.
    casts = ", ".join(f"CAST(%s AS {fields[column].db_type(connection)})" for column in columns)
    names = ", ".join(quote(column) for column in (*columns, id_column))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608 - names and types from model metadata
            f"SELECT {casts}, each_id FROM generate_series(%s, %s) AS each_id",
            [*values, ids.start, ids.stop - 1],
        )


def object_rows(model: type[models.Model], objects: Iterable[models.Model]) -> Insert:
    """Unsaved model objects as rows of database-ready values (all columns but the key).

    Each field's own `pre_save` and `get_db_prep_save` give the values, as in `bulk_create`,
    so defaults, `auto_now_add` and JSON encoding are the same.
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
    return Insert(model, columns, rows)


def insert_objects(model: type[models.Model], objects: Iterable[models.Model]) -> int:
    """Insert unsaved model objects, as `bulk_create` would but without their new ids.
    Returns how many were inserted."""
    insert = object_rows(model, objects)
    insert_rows(insert.model, insert.columns, insert.rows)
    return len(insert.rows)


@dataclass(frozen=True)
class Insert:
    """Rows of database-ready values for one table, for `insert_together`."""

    model: type[models.Model]
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    # `ON CONFLICT DO NOTHING`: rows whose key is already in the table are skipped.
    skip_existing: bool = False


# Above this many values in all, `insert_together` sends each table's rows on its own.
_VALUES_PER_STATEMENT = 2000


def insert_together(inserts: Sequence[Insert]) -> None:
    """Insert a few rows into several tables, all or none: an API request's audit rows and
    what else it records, say.

    On PostgreSQL one statement (the first tables' INSERTs as data-modifying WITH clauses of
    the last one's): atomic by itself, so no BEGIN and COMMIT of its own, and one round trip
    where a transaction with a COPY and an INSERT took five. Elsewhere, or for many rows (a
    batch chunk's, which COPY sends faster), a transaction (a savepoint-free one inside the
    caller's) with each table's rows on their own.
    """
    inserts = [insert for insert in inserts if insert.rows]
    if not inserts:
        return
    values = sum(len(insert.rows) * len(insert.columns) for insert in inserts)
    if connection.vendor != "postgresql" or values > _VALUES_PER_STATEMENT:
        with transaction.atomic(savepoint=False):
            for insert in inserts:
                if insert.skip_existing:
                    insert_new_rows(insert.model, insert.columns, insert.rows)
                else:
                    insert_rows(insert.model, insert.columns, insert.rows)
        return
    statements: list[str] = []
    params: list[Any] = []
    for insert in inserts:
        statement, values_of = _insert_values(insert)
        statements.append(statement)
        params += values_of
    *first, last = statements
    clauses = ", ".join(f"w{number} AS ({sql})" for number, sql in enumerate(first))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {clauses} {last}" if clauses else last, params)


def _insert_values(insert: Insert) -> tuple[str, list[Any]]:
    """`INSERT … VALUES (…), (…)` for the rows, and its parameters."""
    quote = connection.ops.quote_name
    table = quote(insert.model._meta.db_table)
    names = ", ".join(quote(column) for column in insert.columns)
    row = "(" + ", ".join(["%s"] * len(insert.columns)) + ")"
    sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(insert.rows))}"  # noqa: S608 - names come from model metadata
    if insert.skip_existing:
        sql += " ON CONFLICT DO NOTHING"
    return sql, [value for values in insert.rows for value in values]


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


def delete_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    per_statement: int = _ROWS_PER_STATEMENT,
) -> None:
    """Delete the rows whose `columns` hold one of the given tuples of values, `per_statement`
    tuples a statement (`WHERE (a, b) IN (VALUES ...)`: PostgreSQL, and SQLite since 3.15).
    With `columns` in the order of an index of the table, each tuple is one look-up in it."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    row_placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            values = ", ".join([row_placeholders] * len(part))
            cursor.execute(
                f"DELETE FROM {table} WHERE ({names}) IN (VALUES {values})",  # noqa: S608 - names come from model metadata
                [value for row in part for value in row],
            )


@dataclass(frozen=True)
class SecondaryIndex:
    """An index or constraint set aside for a load: the statement that builds it again (as
    pg_indexes or pg_get_constraintdef gives it) and, when not a plain `DROP INDEX`, the one
    that drops it; `then`, a statement run after the first in a transaction of its own (a
    unique constraint taking over the index just built)."""

    name: str
    table: str
    definition: str
    drop: str = ""
    then: str = ""

    @property
    def drop_statement(self) -> str:
        return self.drop or f"DROP INDEX {connection.ops.quote_name(self.name)}"

    @property
    def statements(self) -> str:
        """What builds it again, to be run by hand."""
        return f"{self.definition}; {self.then}" if self.then else self.definition


def secondary_indexes(tables: Sequence[type[models.Model]]) -> list[SecondaryIndex]:
    """The PostgreSQL indexes of the models' tables that refuse nothing: neither unique nor a
    primary key nor behind a constraint. Read from pg_indexes, so they are always those the
    migrations made."""
    names = [model._meta.db_table for model in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.tablename, i.indexdef
            FROM pg_indexes i
            JOIN pg_class c
              ON c.relname = i.indexname AND c.relnamespace = to_regnamespace(i.schemaname)
            JOIN pg_index x ON x.indexrelid = c.oid
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT x.indisunique AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
            ORDER BY i.tablename, i.indexname
            """,
            [names],
        )
        return [SecondaryIndex(*row) for row in cursor.fetchall()]


def load_constraints(
    unique_and_foreign: Sequence[type[models.Model]],
    foreign_only: Sequence[type[models.Model]] = (),
    primary_keys: Sequence[type[models.Model]] = (),
) -> list[SecondaryIndex]:
    """The unique (not primary-key) and foreign-key constraints of the first tables, the
    foreign-key constraints of the second, and the primary keys of the third, each with the
    ALTER TABLE statements that drop it and add it back (the definition from
    pg_get_constraintdef, so always the migrations' own).

    Only for tables a load writes in ways that cannot break them: a constraint added back is
    checked against the whole table at once, and a load that broke it would fail there. A
    primary key set aside must be one no foreign key refers to (PostgreSQL would refuse to drop
    it): a table's whose key is its rows' own values, not a number others point at.
    """
    both = [model._meta.db_table for model in unique_and_foreign]
    foreign = [model._meta.db_table for model in foreign_only]
    primary = [model._meta.db_table for model in primary_keys]
    if not both and not foreign and not primary:
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT k.conname, c.relname, pg_get_constraintdef(k.oid),
                   CASE WHEN k.contype IN ('u', 'p') AND NOT k.condeferrable
                        THEN pg_get_indexdef(k.conindid) END,
                   CASE k.contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE c.relnamespace = to_regnamespace(current_schema())
              AND ((c.relname = ANY(%s) AND k.contype IN ('u', 'f'))
                   OR (c.relname = ANY(%s) AND k.contype = 'f')
                   OR (c.relname = ANY(%s) AND k.contype = 'p'))
            ORDER BY c.relname, k.conname
            """,
            [both, foreign, primary],
        )
        rows = cursor.fetchall()
    return [
        # A unique constraint or primary key: its index built first, as any other (a SHARE
        # lock, so beside the table's other builds), then taken over by the constraint at once,
        # in a transaction of its own (else two such builds on one table, each holding its
        # SHARE lock and waiting for the ACCESS EXCLUSIVE one, deadlock); rather than ADD
        # CONSTRAINT UNIQUE or PRIMARY KEY, whose ACCESS EXCLUSIVE lock makes the other builds
        # wait.
        SecondaryIndex(
            name,
            table,
            index or f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}",
            f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}",
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {kind} USING INDEX "
            f"{quote(name)}"
            if index
            else "",
        )
        for name, table, definition, index, kind in rows
    ]


@contextmanager
def secondary_indexes_set_aside(
    tables: Sequence[type[models.Model]],
    *,
    builders: int,
    note: Callable[[str], None],
    constraints: Callable[[], list[SecondaryIndex]] = list,
) -> Iterator[list[SecondaryIndex]]:
    """Drop the tables' `secondary_indexes`, and the `constraints` given (`load_constraints`),
    for the block and build them again after it, however it ends (an error, Ctrl-C): of the
    indexes only those that refuse nothing are dropped, so the constraints not given (the
    primary keys among them, unless given) hold throughout.

    PostgreSQL only, and only outside a transaction (the drop is committed, and the indexes are
    built by `builders` connections of their own, at once); otherwise nothing is dropped and
    the block gets an empty list.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield []
        return
    indexes = secondary_indexes(tables) + constraints()
    if not indexes:
        yield []
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for index in indexes:
            cursor.execute(index.drop_statement)
    note(
        f"Dropped {len(indexes)} indexes and constraints for the load; should this process be "
        "killed before it rebuilds them, run: " + "; ".join(index.statements for index in indexes)
    )
    try:
        yield indexes
    finally:
        build_indexes(indexes, builders=builders, note=note)


def build_indexes(
    indexes: Sequence[SecondaryIndex], *, builders: int, note: Callable[[str], None]
) -> None:
    """Run the indexes' definitions, `builders` at a time, each on a connection of its own with
    this session's maintenance_work_mem, the largest table's first (so the longest build does
    not start last); every index is attempted even when one fails."""
    if not indexes:
        return
    at_once = max(1, min(builders, len(indexes)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('maintenance_work_mem')")
        (memory,) = cursor.fetchone()
        cursor.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relnamespace = to_regnamespace(current_schema()) AND relname = ANY(%s)",
            [sorted({index.table for index in indexes})],
        )
        size = dict(cursor.fetchall())
    indexes = sorted(indexes, key=lambda index: -size.get(index.table, 0))
    settings = {"maintenance_work_mem": memory}
    if at_once > 1:
        # The connections already share the cores: no parallel workers of PostgreSQL's own.
        settings["max_parallel_maintenance_workers"] = "0"
    tables = ", ".join(sorted({index.table for index in indexes}))
    note(
        f"Rebuilding {len(indexes)} indexes and constraints of {tables} ({at_once} at a time, "
        f"maintenance_work_mem {memory})..."
    )
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        outcomes = list(pool.map(lambda index: _build(index, settings), indexes))
    failed = [
        (index, error)
        for index, (error, _seconds) in zip(indexes, outcomes, strict=True)
        if error is not None
    ]
    if failed:
        # The database's own words say which index failed and why: for a unique one, which
        # value is there twice (the rows are all kept; the duplicates must go before the
        # index can be built).
        reasons = "; ".join(
            f"{index.name}: {' '.join(str(error).split())}" for index, error in failed
        )
        raise RuntimeError(
            f"Some indexes could not be rebuilt ({reasons}). The rows loaded are kept; once "
            "the cause is put right, run: "
            + "; ".join(index.statements for index, _error in failed)
        ) from failed[0][1]
    # The three slowest, which set the rebuild's length (an operator's tuning clue).
    slowest = sorted(
        zip(indexes, (seconds for _error, seconds in outcomes), strict=True),
        key=lambda pair: -pair[1],
    )[:3]
    longest = ", ".join(f"{index.name} {seconds:.1f} s" for index, seconds in slowest)
    note(
        f"Rebuilt {len(indexes)} indexes and constraints in {time.perf_counter() - started:.1f} s "
        f"(longest: {longest})."
    )


def _build(index: SecondaryIndex, settings: dict[str, str]) -> tuple[Exception | None, float]:
    """Build one index on this thread's own connection; the error, if it failed, and how long
    it took."""
    started = time.perf_counter()
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            for name, value in settings.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
            cursor.execute(index.definition)
            if index.then:
                cursor.execute(index.then)
    except Exception as error:  # reported with the others' by build_indexes
        return error, time.perf_counter() - started
    finally:
        connections[DEFAULT_DB_ALIAS].close()
    return None, time.perf_counter() - started
