"""`copy_text` writes values as psycopg's own COPY would: a line worked out in a worker process
is stored exactly as the row given to `insert_rows`."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from lrs.core.bulk import copy_text

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ROWS = [
    ("plain", datetime.date(2009, 1, 31), None, True, 7, "ünïcode"),
    (
        "tab\there",
        None,
        datetime.datetime(2026, 12, 4, 22, 1, 2, 345, tzinfo=datetime.UTC),
        False,
        0,
        "",
    ),
    ("back\\slash\\N", datetime.date(1950, 12, 1), None, None, -3, "new\nline\r"),
    ("\\", None, None, None, None, "\\N"),
]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY text is PostgreSQL's (DATABASE_URL)")


def test_copy_text_stores_what_psycopgs_copy_stores() -> None:
    with connection.cursor() as cursor:
        for table in ("by_psycopg", "by_text"):
            cursor.execute(
                f"CREATE TEMP TABLE {table} (n serial, a text, b date, c timestamptz, "
                "d boolean, e bigint, f text)"
            )
        with cursor.cursor.copy("COPY by_psycopg (a, b, c, d, e, f) FROM STDIN") as copy:
            for row in ROWS:
                copy.write_row(row)
        with cursor.cursor.copy("COPY by_text (a, b, c, d, e, f) FROM STDIN") as copy:
            copy.write("".join(copy_text(row) + "\n" for row in ROWS))
        cursor.execute("SELECT a, b, c, d, e, f FROM by_psycopg ORDER BY n")
        by_psycopg = cursor.fetchall()
        cursor.execute("SELECT a, b, c, d, e, f FROM by_text ORDER BY n")
        by_text = cursor.fetchall()

    assert by_text == by_psycopg == ROWS


def test_copy_text_refuses_a_value_it_cannot_write() -> None:
    with pytest.raises(TypeError, match="no COPY text for a bytes"):
        copy_text(["a", b"bytes"])
