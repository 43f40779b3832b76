"""The import's per-row fast path and its caches give exactly what the plain functions give.

`check_row` validates a row without building the details twice and prepares the engine's view
once; names, cleaned text and family-name codes are cached. These tests hold it to the plain
composition (`details_from_row`, `validate_uln`, `validate_learner_details`, `identity_key_of`,
`keys_for`) and every cache to the function it wraps, on a generated register with every kind
of bad or unusual value planted in it.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from lrs.core.bulk import copy_text
from lrs.core.errors import ValidationFailed
from lrs.identifiers import IdentifierError, validate_uln
from lrs.learners import imports, matching_adapter, validation
from lrs.learners.details import DATE_FIELDS, LEARNER_FIELDS
from lrs.learners.imports import Rejection, check_row, details_from_row
from lrs.matching import blocking, prepare_uncached, prepared
from lrs.matching.decide import prepared_identity_key
from lrs.synthetic import generate_register, write_register_csv

# Values planted in copies of generated rows: (column, value). Bad ones, odd but good ones,
# and columns the generator never writes.
_PLANTED: tuple[tuple[str, str], ...] = (
    ("ULN", "123"),
    ("ULN", "9999999999"),
    ("ULN", " 1000000042 "),
    ("ULN", ""),
    ("GivenName", "Test"),
    ("GivenName", ""),
    ("GivenName", "  Mary-Jane  "),
    ("GivenName", "Siân"),
    ("GivenName", "Сarys"),  # a Cyrillic С
    ("GivenName", "J0hn"),
    ("GivenName", "Ｇwenllian"),
    ("GivenName", "Bob"),
    ("GivenName", "x" * 40),
    ("FamilyName", "O'Brien-Smith"),
    ("FamilyName", "MacDonald"),
    ("FamilyName", "van  der Berg"),
    ("FamilyName", "Unknown"),
    ("FamilyName", "Ελένη"),
    ("FamilyName", "---"),
    ("MiddleOtherName", "Ann   Marie"),
    ("PreferredGivenName", "Bobby"),
    ("PreviousFamilyName", "Fitzgerald"),
    ("DateOfBirth", "2009-02-30"),
    ("DateOfBirth", "31/12/2008"),
    ("DateOfBirth", "20080704"),
    ("DateOfBirth", "yesterday"),
    ("DateOfBirth", ""),
    ("DateOfBirth", "2030-01-01"),
    ("DateOfBirth", "1900-01-01"),
    ("Gender", "7"),
    ("Gender", "9"),
    ("Gender", ""),
    ("LastKnownPostCode", "NOT A POSTCODE"),
    ("LastKnownPostCode", "zz99 9zz"),
    ("LastKnownPostCode", " cv4-9ee "),
    ("LastKnownPostCode", ""),
    ("EmailAddress", "none"),
    ("EmailAddress", "not an address"),
    ("EmailAddress", " Someone@Example.org "),
    ("PlaceOfBirth", "St. Asaph"),
    ("VerificationType", "99"),
    ("VerificationType", "999"),
    ("AbilityToShare", "7"),
    ("AbilityToShare", ""),
    ("Title", "Mr"),
    ("Nationality", "GBRX"),
    ("UPN", "A123456789012"),
    ("UPN", "not a upn"),
    ("UCI", "X123"),
    ("Notes", "  kept as written  "),
    ("OtherVerificationDescription", "Passport"),
    ("DateOfAddressCapture", "2001-05-06"),
    ("DateOfAddressCapture", "2999-01-01"),
    ("MiddleNames", "Later Column"),
)


def _register_rows(count: int, *, seed: int) -> list[dict[str, str]]:
    buffer = io.StringIO()
    write_register_csv(generate_register(count, seed=seed), buffer)
    buffer.seek(0)
    return [dict(row) for row in csv.DictReader(buffer)]


def _rows() -> list[Any]:
    rows: list[dict[str, Any]] = _register_rows(1500, seed=11)
    rng = random.Random(5)
    planted = []
    for index, (column, value) in enumerate(_PLANTED * 4):
        row = dict(rows[(index * 37) % len(rows)])
        row[column] = value
        if index % 3 == 0:  # a second planted value in the same row
            other_column, other_value = rng.choice(_PLANTED)
            row[other_column] = other_value
        planted.append(row)
    # A short row as DictReader gives it: missing trailing columns are None, extras under None.
    short = dict(rows[0])
    short["AbilityToShare"] = None
    short[None] = ["extra"]  # type: ignore[index]
    return [*rows, *planted, short]


def _reference(row_number: int, row: dict[str, Any]) -> imports._Pending | Rejection:
    """`check_row` as the plain functions compose it."""
    raw_uln = (row.get("ULN") or "").strip()
    details, errors = details_from_row(row)
    try:
        uln = validate_uln(raw_uln)
    except IdentifierError as exc:
        errors.setdefault("uln", []).append(exc.message)
        uln = raw_uln
    try:
        details = validation.validate_learner_details(details)
    except ValidationFailed as exc:
        for name, messages in exc.field_errors.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        return Rejection(row_number, uln, errors)
    values = [getattr(details, name) for name in LEARNER_FIELDS]
    values = [
        connection.ops.adapt_datefield_value(value) if name in DATE_FIELDS else value
        for name, value in zip(LEARNER_FIELDS, values, strict=True)
    ]
    return imports._Pending(
        row_number,
        uln,
        matching_adapter.identity_key_of(details),
        tuple(values),
        tuple(matching_adapter.keys_for(details)),
    )


def _comparable(result: imports._Pending | Rejection) -> Any:
    if isinstance(result, Rejection):
        # Errors compared with their order: the report lists them as they came.
        return ("rejected", result.row_number, result.uln, list(result.errors.items()))
    return ("pending", *result[:4], frozenset(result.keys))


@pytest.mark.parametrize("language", ["en", "cy"])
def test_check_row_gives_what_the_plain_functions_give(language: str) -> None:
    rows = _rows()
    today = datetime.date.today()
    with translation.override(language):
        # Twice: the second time every cache is warm.
        for _ in range(2):
            fast = imports._check_block(2, rows)
            slow = [_reference(number, row) for number, row in enumerate(rows, start=2)]
            assert [_comparable(result) for result in fast] == [
                _comparable(result) for result in slow
            ]
            single = [
                check_row(number, row, today=today) for number, row in enumerate(rows, start=2)
            ]
            assert [_comparable(result) for result in single] == [
                _comparable(result) for result in slow
            ]
    kinds = {type(result) for result in fast}
    assert kinds == {imports._Pending, Rejection}
    # What the workers hand over: on PostgreSQL the learner columns as COPY text instead.
    with translation.override(language):
        handed_over = imports._prepare_block(2, rows)
    for result, prepared_result in zip(fast, handed_over, strict=True):
        if isinstance(result, Rejection) or connection.vendor != "postgresql":
            assert prepared_result == result
        else:
            assert prepared_result == result._replace(
                values=(),
                copy_text=copy_text((result.uln, *result.values, result.identity_key)),
            )
    assert sum(isinstance(result, Rejection) for result in fast) > 100


def test_name_cache_agrees_with_name_problem() -> None:
    names = {row.get(column) or "" for row in _rows() for column in ("GivenName", "FamilyName")}
    names |= {value for _, value in _PLANTED}
    validation._acceptable_name.cache_clear()
    for name in sorted(names):
        if name:
            assert validation._acceptable_name(name) == (validation.name_problem(name) is None)
    assert not validation._acceptable_name("Test")
    assert validation._acceptable_name("Siân")


def test_cleaned_text_cache_agrees_with_the_function() -> None:
    values = {value for row in _rows() for value in row.values() if isinstance(value, str)}
    values |= {"  two  spaces  ", "Ｇwenllian", "tab\there"}
    for value in sorted(values):
        assert validation._clean_text(value) == validation._clean_text.__wrapped__(value)


def test_family_code_cache_and_prepared_engine_views_agree() -> None:
    """The cached family-name codes equal the uncached ones, and the engine's identity key and
    stored keys of a person prepared once equal those of the cached `prepared` path."""
    rows = _rows()
    blocking._family_codes.cache_clear()
    blocking._code.cache_clear()
    checked = 0
    for result in imports._check_block(2, rows):
        if isinstance(result, Rejection):
            continue
        person = prepare_uncached(
            matching_adapter.person_from(
                validation.validate_learner_details(
                    imports.LearnerDetails(
                        **dict(zip(LEARNER_FIELDS, _dates_back(result.values), strict=True))
                    )
                )
            )
        )
        assert person == prepared(person.details)
        assert prepared_identity_key(person) == result.identity_key
        assert blocking.prepared_learner_keys(person) == frozenset(result.keys)
        forms = tuple(dict.fromkeys(part for part in person.family_parts if part))
        own = (*person.family_parts, *person.previous_parts)
        for limit in (2, 10):
            assert blocking._family_codes(forms, own, limit) == blocking._family_codes.__wrapped__(
                forms, own, limit
            )
        checked += 1
    assert checked > 1000


def _dates_back(values: tuple[Any, ...]) -> list[Any]:
    """The learner fields with their dates as `date` objects again (SQLite adapts them to text)."""
    return [
        datetime.date.fromisoformat(value)
        if name in DATE_FIELDS and isinstance(value, str)
        else value
        for name, value in zip(LEARNER_FIELDS, values, strict=True)
    ]


@pytest.mark.django_db
def test_an_import_stores_each_learners_own_keys_and_one_audit_and_known_row() -> None:
    from lrs.core.actor import Channel
    from lrs.core.audit import AuditAction
    from lrs.core.models import AuditEvent
    from lrs.learners.imports import import_learners
    from lrs.learners.models import KnownBy, KnownLearner, Learner, LearnerMatchKey
    from lrs.organisations.services import service_desk_system_actor

    rows = _rows()
    actor = service_desk_system_actor(channel=Channel.CLI)
    report = import_learners(rows=rows, actor=actor, keep_indexes=True)
    expected = [
        result for result in imports._check_block(2, rows) if not isinstance(result, Rejection)
    ]
    assert report.loaded == Learner.objects.count() > 1000
    stored: dict[int, set[str]] = {}
    for learner_id, key in LearnerMatchKey.objects.values_list("learner_id", "key"):
        stored.setdefault(learner_id, set()).add(key)
    assert LearnerMatchKey.objects.count() == sum(len(keys) for keys in stored.values())
    learners = {learner.uln: learner for learner in Learner.objects.all()}
    for learner in learners.values():
        assert stored[learner.pk] == set(matching_adapter.keys_for(learner))
        assert learner.identity_key == matching_adapter.identity_key_of(learner)
    # The first row of each ULN and identity was loaded, as check_row saw it.
    loaded: dict[str, imports._Pending] = {}
    for row in expected:
        if row.uln in learners:
            loaded.setdefault(row.uln, row)
    assert len(loaded) == report.loaded
    for uln, row in loaded.items():
        assert frozenset(row.keys) == frozenset(stored[learners[uln].pk])
    assert AuditEvent.objects.filter(learner_id__isnull=False).count() == report.loaded
    assert KnownLearner.objects.count() == report.loaded
    # One audit and one known row for each learner loaded, naming it and the importer.
    ids = {learner.pk for learner in learners.values()}
    audited = AuditEvent.objects.filter(learner_id__isnull=False)
    assert set(audited.values_list("learner_id", flat=True)) == ids
    assert set(audited.values_list("action", "organisation_id", "user_id", "version_number")) == {
        (AuditAction.LEARNER_IMPORTED, actor.organisation.pk, actor.user.pk, 1)
    }
    assert not audited.exclude(changes={}).exists()
    assert set(KnownLearner.objects.values_list("learner_id", flat=True)) == ids
    assert set(KnownLearner.objects.values_list("organisation_id", "how")) == {
        (actor.organisation.pk, KnownBy.IMPORTED)
    }


@pytest.mark.django_db
def test_grouped_rows_with_characters_copy_escapes_are_stored_as_given() -> None:
    from lrs.core.actor import Channel
    from lrs.core.bulk import insert_grouped_rows
    from lrs.learners.imports import import_learners
    from lrs.learners.models import LearnerMatchKey
    from lrs.organisations.services import service_desk_system_actor

    import_learners(
        rows=_register_rows(2, seed=3),
        actor=service_desk_system_actor(channel=Channel.CLI),
        keep_indexes=True,
    )
    first, second = LearnerMatchKey.objects.values_list("learner_id", flat=True).distinct()[:2]
    plain = ("T:plain", "T:ünïcode|2009-01-01", "T:")
    odd = ("T:tab\there", "T:back\\slash", "T:new\nline\r")
    for values in (plain, odd):
        LearnerMatchKey.objects.filter(key__startswith="T:").delete()
        insert_grouped_rows(
            LearnerMatchKey,
            ("learner_id", "key"),
            [(first, values), (second, values[:1]), (first, ())],
        )
        assert sorted(
            LearnerMatchKey.objects.filter(key__startswith="T:").values_list("learner_id", "key")
        ) == sorted([*((first, value) for value in values), (second, values[0])])
