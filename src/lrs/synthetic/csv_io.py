"""CSV files of the synthetic register (in the import format) and of queries with their truth.

Open files with ``newline=""`` and UTF-8, as the :mod:`csv` module expects; rows end in CRLF.
"""

import csv
import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, TextIO

from lrs.synthetic.people import SyntheticLearner
from lrs.synthetic.queries import Query, Variation

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = [
    "IMPORT_COLUMNS",
    "QUERY_COLUMNS",
    "personal_fields",
    "read_queries_csv",
    "write_queries_csv",
    "write_register_csv",
]

IMPORT_COLUMNS: Final = [
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
"""Header of a register file, with the real service's field names (``lrs import-learners``)."""

QUERY_COLUMNS: Final = [
    "QueryID",
    "GivenName",
    "MiddleOtherName",
    "FamilyName",
    "PreferredGivenName",
    "PreviousFamilyName",
    "DateOfBirth",
    "Gender",
    "LastKnownPostCode",
    "EmailAddress",
    "Variations",
    "TrueULN",
]
"""Header of a query file; ``Variations`` are joined with ``+``, ``TrueULN`` blank when new."""

# "None provided": the synthetic learners showed no evidence of identity.
_VERIFICATION_TYPE: Final = "0"
# The privacy notice was seen, so the learner's records may be shared.
_ABILITY_TO_SHARE: Final = "1"
_VARIATION_SEPARATOR: Final = "+"


def personal_fields(learner: SyntheticLearner) -> dict[str, str]:
    """A learner's personal details by the real service's field names (import and batch files).

    Callers add what their file needs besides: the ULN, a MISIdentifier, VerificationType ...
    """
    return {
        "GivenName": learner.given_name,
        "MiddleOtherName": learner.middle_other_name,
        "FamilyName": learner.family_name,
        "PreferredGivenName": learner.preferred_given_name,
        "PreviousFamilyName": learner.previous_family_name,
        "DateOfBirth": learner.date_of_birth.isoformat(),
        "Gender": learner.gender,
        "LastKnownPostCode": learner.last_known_postcode,
        "PlaceOfBirth": learner.place_of_birth,
        "EmailAddress": learner.email_address,
    }


def write_register_csv(learners: Iterable[SyntheticLearner], fh: "SupportsWrite[str]") -> int:
    """Write a header and one import row per learner to ``fh``; return the rows written.

    Streams: ``learners`` may be the iterator from :func:`generate_register`.
    """
    writer = csv.DictWriter(fh, fieldnames=IMPORT_COLUMNS)
    writer.writeheader()
    written = 0
    for learner in learners:
        writer.writerow(
            {
                "ULN": learner.uln,
                **personal_fields(learner),
                "VerificationType": _VERIFICATION_TYPE,
                "AbilityToShare": _ABILITY_TO_SHARE,
            }
        )
        written += 1
    return written


def write_queries_csv(queries: Iterable[Query], fh: TextIO) -> int:
    """Write a header and one row per query to ``fh``; return the rows written."""
    writer = csv.writer(fh)
    writer.writerow(QUERY_COLUMNS)
    written = 0
    for query in queries:
        writer.writerow(
            (
                query.query_id,
                query.given_name,
                query.middle_other_name,
                query.family_name,
                query.preferred_given_name,
                query.previous_family_name,
                query.date_of_birth.isoformat(),
                query.gender,
                query.last_known_postcode,
                query.email_address,
                _VARIATION_SEPARATOR.join(variation.value for variation in query.variations),
                query.true_uln or "",
            )
        )
        written += 1
    return written


def read_queries_csv(fh: TextIO) -> list[Query]:
    """Return the queries in a file written by :func:`write_queries_csv`.

    Raises ValueError when a column is missing or a value cannot be read (a bad date or an
    unknown variation), naming the line.
    """
    reader = csv.DictReader(fh)
    missing = [column for column in QUERY_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"query file lacks the column(s) {', '.join(missing)}")
    queries = []
    for row in reader:
        try:
            queries.append(_query_from_row(row))
        except ValueError as exc:
            raise ValueError(f"line {reader.line_num}: {exc}") from exc
    return queries


def _query_from_row(row: dict[str, str]) -> Query:
    labels = row["Variations"]
    return Query(
        query_id=int(row["QueryID"]),
        given_name=row["GivenName"],
        middle_other_name=row["MiddleOtherName"],
        family_name=row["FamilyName"],
        preferred_given_name=row["PreferredGivenName"],
        previous_family_name=row["PreviousFamilyName"],
        date_of_birth=datetime.date.fromisoformat(row["DateOfBirth"]),
        gender=row["Gender"],
        last_known_postcode=row["LastKnownPostCode"],
        email_address=row["EmailAddress"],
        variations=tuple(Variation(label) for label in labels.split(_VARIATION_SEPARATOR))
        if labels
        else (),
        true_uln=row["TrueULN"] or None,
    )
