"""CSV files: the register in the import format and queries that read back as written."""

import csv
import io

import pytest

from lrs.synthetic import (
    IMPORT_COLUMNS,
    Variation,
    generate_queries,
    generate_register,
    read_queries_csv,
    write_queries_csv,
    write_register_csv,
)


def test_import_columns_are_the_real_service_names():
    assert IMPORT_COLUMNS == [
        "ULN",
        "GivenName",
        "MiddleOtherName",
        "FamilyName",
        "PreviousFamilyName",
        "PreferredGivenName",
        "DateOfBirth",
        "Gender",
        "LastKnownPostCode",
        "PlaceOfBirth",
        "EmailAddress",
        "VerificationType",
        "AbilityToShare",
    ]


def test_register_csv_has_one_row_per_learner(register):
    buffer = io.StringIO(newline="")
    assert write_register_csv(register[:500], buffer) == 500
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert len(rows) == 500
    assert list(rows[0]) == IMPORT_COLUMNS
    for row, learner in zip(rows, register, strict=False):
        assert row["ULN"] == learner.uln
        assert row["GivenName"] == learner.given_name
        assert row["MiddleOtherName"] == learner.middle_other_name
        assert row["FamilyName"] == learner.family_name
        assert row["PreviousFamilyName"] == learner.previous_family_name
        assert row["PreferredGivenName"] == learner.preferred_given_name
        assert row["DateOfBirth"] == learner.date_of_birth.isoformat()
        assert row["Gender"] == learner.gender
        assert row["LastKnownPostCode"] == learner.last_known_postcode
        assert row["PlaceOfBirth"] == learner.place_of_birth
        assert row["EmailAddress"] == learner.email_address
        assert row["VerificationType"] == "0"
        assert row["AbilityToShare"] == "1"


def test_register_csv_streams_from_the_generator():
    buffer = io.StringIO(newline="")
    assert write_register_csv(generate_register(250, seed=6), buffer) == 250


def test_register_csv_keeps_accents_in_utf8(tmp_path, register):
    accented = [learner for learner in register if not learner.family_name.isascii()][:20]
    path = tmp_path / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        write_register_csv(accented, fh)
    with path.open(newline="", encoding="utf-8") as fh:
        names = [row["FamilyName"] for row in csv.DictReader(fh)]
    assert names == [learner.family_name for learner in accented]


def test_queries_read_back_as_written(tmp_path, queries):
    path = tmp_path / "queries.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        assert write_queries_csv(queries, fh) == len(queries)
    with path.open(newline="", encoding="utf-8") as fh:
        assert read_queries_csv(fh) == queries


def test_query_csv_joins_variations_with_plus(register):
    queries = generate_queries(register, 400)
    buffer = io.StringIO(newline="")
    write_queries_csv(queries, buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    for row, query in zip(rows, queries, strict=True):
        assert row["Variations"] == "+".join(variation.value for variation in query.variations)
        assert row["TrueULN"] == (query.true_uln or "")
    assert any(row["Variations"].startswith("COMBINED+") for row in rows)
    assert Variation.COMBINED.value == "COMBINED"


def test_reading_a_file_without_truth_is_refused():
    with pytest.raises(ValueError, match="TrueULN"):
        read_queries_csv(io.StringIO("QueryID,GivenName\n1,Megan\n"))


def test_reading_an_unknown_variation_names_the_line(queries):
    buffer = io.StringIO(newline="")
    write_queries_csv(queries[:3], buffer)
    text = buffer.getvalue().replace(queries[1].variations[0].value, "NOT_A_CHANGE", 1)
    with pytest.raises(ValueError, match="line"):
        read_queries_csv(io.StringIO(text, newline=""))
