"""What each row of a batch gets: its checks, its search, its registration, its return code.

`process_rows` decides a chunk's rows inside the chunk's transaction (`processing`): rows with
a ULN are verified, the others searched by their details (or given the searches made ahead of
the write lock), learners registered for FUL rows that found nobody, and every row's result
written with one prepared UPDATE per row (`_write_rows`). Possible matches and too many
matches become exceptions for a person to resolve (`resolution`).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lrs.batches import return_codes as rc
from lrs.batches.messages import encode_errors, encode_text
from lrs.batches.models import (
    EXCEPTION_LIFETIME,
    Batch,
    BatchException,
    BatchRow,
    ExceptionStatus,
    RowState,
    SubmissionType,
)
from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.bulk import insert_objects
from lrs.core.errors import ValidationFailed
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, validate_uln
from lrs.learners import matching_adapter
from lrs.learners.details import LearnerDetails, SearchDetails
from lrs.learners.errors import IdenticalLearnerExists, LearnerNotFound
from lrs.learners.imports import details_from_row
from lrs.learners.match_reasons import evidence_data
from lrs.learners.matching_adapter import SearchOutcome
from lrs.learners.models import Learner
from lrs.learners.selectors import find_learner_by_uln, record_searches, search_learners_many
from lrs.learners.services import RegistrationStatus, register_learner
from lrs.learners.validation import MAX_AGE, MIN_AGE, age_on, validate_learner_details
from lrs.matching import MatchKind

_IDENTIFIER_FIELDS = frozenset({"upn", "uci", "uln"})


class RowAlreadyDone(RuntimeError):
    """Another worker finished a row this one was processing: roll the chunk back."""


@dataclass
class _RowResult:
    code: str
    message: str = ""
    uln: str = ""
    learner: Learner | None = None
    candidates: list[dict[str, object]] = field(default_factory=list)
    key: str = ""  # for an exception: `exception_key`


def batch_actor(batch: Batch) -> Actor:
    if batch.submitted_by is None:
        # The submitter's account was deleted; the organisation's work goes on, recorded as
        # done by the service for it.
        from lrs.organisations.services import service_desk_system_actor

        return service_desk_system_actor(channel=Channel.BATCH)
    return Actor(user=batch.submitted_by, channel=Channel.BATCH)


def _rejection(
    submitted: Mapping[str, str], errors: Mapping[str, list[str]], dob: datetime.date | None
) -> _RowResult:
    message = encode_errors(errors)
    if dob is not None and not MIN_AGE <= age_on(dob, timezone.localdate()) <= MAX_AGE:
        return _RowResult(rc.RC013, message)
    if set(errors) & _IDENTIFIER_FIELDS:
        return _RowResult(rc.RC012, message)
    return _RowResult(rc.RC011, message)


_Sorted = list[tuple[BatchRow, LearnerDetails]]


def sorted_rows(rows: list[BatchRow]) -> tuple[dict[int, _RowResult], _Sorted, _Sorted]:
    """Parse the rows: (rejections by row id, rows with a ULN, rows to search by details)."""
    prepared: _Sorted = []
    rejected: dict[int, _RowResult] = {}
    for row in rows:
        details, errors = details_from_row(row.submitted)
        uln = (row.submitted.get("ULN") or "").strip()
        if uln:
            try:
                validate_uln(uln)
            except IdentifierError as exc:
                errors.setdefault("uln", []).append(exc.message)
        if errors:
            rejected[row.pk] = _rejection(row.submitted, errors, details.date_of_birth)
        else:
            prepared.append((row, details))
    by_uln = [(row, details) for row, details in prepared if row.submitted.get("ULN", "").strip()]
    by_details = [(row, details) for row, details in prepared if (row, details) not in by_uln]
    return rejected, by_uln, by_details


def process_rows(
    batch: Batch, rows: list[BatchRow], searched: Mapping[int, SearchOutcome | ValidationFailed]
) -> None:
    # Messages are stored in the default language and translated when read (`messages`).
    with translation.override(settings.LANGUAGE_CODE):
        actor = batch_actor(batch)
        results, by_uln, by_details = sorted_rows(rows)
        for row, details in by_uln:
            results[row.pk] = _check_supplied_uln(actor, row, details)
        registered: set[int] = set()
        # Searches made before the write lock and still standing (`_search_ahead`) are recorded
        # now; the other rows are searched here.
        ahead = [(row, details) for row, details in by_details if row.pk in searched]
        if ahead:
            ensure_can(actor, Permission.FIND_LEARNER)  # as the search did, with the user as now
            record_searches(actor=actor, results=[searched[row.pk] for row, _details in ahead])
        fresh = [(row, details) for row, details in by_details if row.pk not in searched]
        found = iter(
            search_learners_many(
                searches=[SearchDetails.from_learner_details(details) for _row, details in fresh],
                actor=actor,
            )
            if fresh
            else []
        )
        outcomes = [
            searched[row.pk] if row.pk in searched else next(found) for row, _details in by_details
        ]
        if batch.submission_type != SubmissionType.CHECK:
            _lock_registrations(
                [
                    details
                    for (_row, details), outcome in zip(by_details, outcomes, strict=True)
                    if not isinstance(outcome, ValidationFailed) and outcome.kind is MatchKind.NONE
                ]
            )
        for (row, details), outcome in zip(by_details, outcomes, strict=True):
            if isinstance(outcome, ValidationFailed):
                results[row.pk] = _rejection(
                    row.submitted, outcome.field_errors, details.date_of_birth
                )
            else:
                results[row.pk] = _from_search(batch, actor, details, outcome, registered)
        for row, details in [*by_uln, *by_details]:
            result = results[row.pk]
            if rc.is_exception(result.code):
                result.key = exception_key(batch, result.code, details)
        _save_results(batch, rows, results)


def exception_key(batch: Batch, code: str, details: LearnerDetails) -> str:
    """What makes two exception rows the same question (`BatchException.details_key`).

    The learner's details as the row gave them (dates read, names and postcode compared as
    matching compares them: case and spacing ignored), with the return code and the
    submission type: the same pupil sent again in the same or another file.
    """
    values = {
        name: " ".join(str(value).split()).casefold() if value is not None else ""
        for name, value in dataclasses.asdict(details).items()
        if name not in _NOT_IN_KEY
    }
    values["last_known_postcode"] = values["last_known_postcode"].replace(" ", "")
    values["_code"] = code
    values["_type"] = batch.submission_type
    encoded = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


# Details that do not make the learner another person (how they were checked, notes).
_NOT_IN_KEY = frozenset(
    {"verification_type", "other_verification_description", "ability_to_share", "notes"}
)


def _lock_registrations(to_register: list[LearnerDetails]) -> None:
    """Take every registration lock the chunk will need before it registers anyone.

    `register_learner` locks the keys of each learner it registers until the chunk commits;
    taken one learner at a time, two workers' chunks could each hold a key the other waits
    for. The keys are those of the details as registration cleans them.
    """
    cleaned = []
    for details in to_register:
        try:
            cleaned.append(validate_learner_details(details))
        except ValidationFailed:
            continue  # refused by the registration, which locks nothing
    matching_adapter.lock_for_registration(*cleaned)


def _registered_earlier_in_batch(batch: Batch, identity: str) -> Learner | None:
    """The learner an earlier row of the same file registered with these key details.

    A chunk's rows are all searched before any is registered, so the same person twice in a
    file reaches registration twice; the second time is the learner found, not a refusal.
    Rows of this chunk are checked by the caller; earlier chunks' rows are in the database.
    """
    row = (
        BatchRow.objects.filter(batch=batch, return_code=rc.RC002, learner__identity_key=identity)
        .select_related("learner")
        .first()
    )
    return row.learner if row is not None else None


def _check_supplied_uln(actor: Actor, row: BatchRow, details: LearnerDetails) -> _RowResult:
    """A row with a ULN: confirm it belongs to these details (the real batch's verify step).

    The ULN is confirmed (RC003, RC004 for a linked ULN) when the names and date of birth are
    the learner's, and also when they are not quite, but a search by the row's details would
    have matched that same learner first: a school's MIS sends back the ULNs we returned with
    the details as they are next term (a typo, a day and month swapped, a new surname with the
    registered one as FormerSurname). Only a ULN that the details point away from is RC008.
    """
    uln = row.submitted["ULN"].strip()
    try:
        found = find_learner_by_uln(
            uln=uln, given_name=details.given_name, family_name=details.family_name, actor=actor
        )
    except (LearnerNotFound, ValidationFailed):
        found = None
    if found is not None and (
        not details.date_of_birth or found.learner.date_of_birth == details.date_of_birth
    ):
        code = rc.RC004 if found.master_substituted else rc.RC003
        return _RowResult(code, uln=found.learner.uln, learner=found.learner)
    owner = Learner.objects.filter(uln=uln).first()
    if owner is not None:
        substituted = owner.master_id is not None
        master = _master_of(owner)
        outcome = search_learners_many(
            searches=[SearchDetails.from_learner_details(details)], actor=actor
        )[0]
        if (
            not isinstance(outcome, ValidationFailed)
            and outcome.kind in {MatchKind.EXACT, MatchKind.POSSIBLE}
            and outcome.matches
            and outcome.matches[0].learner.pk == master.pk
        ):
            code = rc.RC004 if substituted else rc.RC003
            return _RowResult(code, uln=master.uln, learner=master)
    return _RowResult(rc.RC008)


def _master_of(learner: Learner) -> Learner:
    """The master record of a linked learner (the learner itself when it is a master)."""
    seen = {learner.pk}
    while learner.master_id is not None and learner.master_id not in seen:
        seen.add(learner.master_id)
        learner = Learner.objects.get(pk=learner.master_id)
    return learner


def _candidates(outcome: SearchOutcome) -> list[dict[str, object]]:
    return [
        {
            "learner_id": match.learner.pk,
            "uln": match.learner.uln,
            "probability": round(match.scored.probability, 4),
            "evidence": evidence_data(match.scored.evidence),
        }
        for match in outcome.matches
    ]


def _from_search(
    batch: Batch,
    actor: Actor,
    details: LearnerDetails,
    outcome: SearchOutcome,
    registered_in_chunk: set[int],
) -> _RowResult:
    if outcome.kind is MatchKind.EXACT:
        learner = outcome.matches[0].learner
        return _RowResult(rc.RC001, uln=learner.uln, learner=learner)
    if outcome.kind is MatchKind.TOO_MANY:
        return _RowResult(rc.RC006)
    if outcome.kind is MatchKind.POSSIBLE:
        return _RowResult(rc.RC007, candidates=_candidates(outcome))
    if batch.submission_type == SubmissionType.CHECK:
        return _RowResult(rc.RC005)
    return _register(batch, actor, details, outcome, registered_in_chunk)


def _register(
    batch: Batch,
    actor: Actor,
    details: LearnerDetails,
    searched: SearchOutcome,
    registered_in_chunk: set[int],
) -> _RowResult:
    try:
        with transaction.atomic():
            # The chunk's search stands unless a learner among its candidates changed since
            # (one registered by an earlier row of this chunk, say): `register_learner` checks.
            result = register_learner(details=details, actor=actor, searched=searched)
    except IdenticalLearnerExists as exc:
        identity = matching_adapter.identity_key_of(details)
        earlier = _registered_earlier_in_batch(batch, identity)
        if earlier is None:
            earlier = Learner.objects.filter(
                identity_key=identity, pk__in=registered_in_chunk
            ).first()
        if earlier is not None:
            return _RowResult(rc.RC001, uln=earlier.uln, learner=earlier)
        return _RowResult(rc.RC009, encode_text(exc.message))
    except ValidationFailed as exc:
        return _rejection({}, exc.field_errors, details.date_of_birth)
    if result.status is RegistrationStatus.REGISTERED:
        assert result.learner is not None
        registered_in_chunk.add(result.learner.pk)
        return _RowResult(rc.RC002, uln=result.learner.uln, learner=result.learner)
    if result.status is RegistrationStatus.ALREADY_REGISTERED:
        assert result.learner is not None
        return _RowResult(rc.RC001, uln=result.learner.uln, learner=result.learner)
    return _RowResult(rc.RC007, candidates=_candidates(result.search))


def _save_results(batch: Batch, rows: list[BatchRow], results: Mapping[int, _RowResult]) -> None:
    now = timezone.now()
    expires_at = batch.submitted_at + EXCEPTION_LIFETIME
    exceptions: list[BatchException] = []
    keys = {results[row.pk].key for row in rows if results[row.pk].key}
    # Open exceptions of the organisation asking the same question: shared, not repeated.
    standing = (
        dict(
            BatchException.objects.filter(
                organisation_id=batch.organisation_id,
                details_key__in=keys,
                status=ExceptionStatus.OPEN,
                expires_at__gt=now,
            )
            # Newest first, so the oldest wins where (exceptionally) there are several.
            .order_by("-created_at", "-id")
            .values_list("details_key", "id")
        )
        if keys
        else {}
    )
    refreshed: dict[int, _RowResult] = {}
    new_in_chunk: dict[str, BatchRow] = {}
    shares_new: dict[int, BatchRow] = {}  # row id -> the row whose new exception it shares
    for row in rows:
        result = results[row.pk]
        row.state = RowState.DONE
        row.return_code = result.code
        row.message = result.message
        row.uln = result.uln
        row.learner = result.learner
        row.processed_at = now
        row.shared_exception_id = None
        if not rc.is_exception(result.code):
            continue
        if batch.submission_type == SubmissionType.CHECK and not result.candidates:
            continue  # find only, and no learner to choose: nothing to resolve in the portal
        if result.key and result.key in standing:
            row.shared_exception_id = standing[result.key]
            refreshed[standing[result.key]] = result
        elif result.key and result.key in new_in_chunk:
            shares_new[row.pk] = new_in_chunk[result.key]
        else:
            if result.key:
                new_in_chunk[result.key] = row
            exceptions.append(
                BatchException(
                    row=row,
                    organisation_id=batch.organisation_id,
                    candidates=result.candidates,
                    expires_at=expires_at,
                    details_key=result.key,
                )
            )
    _write_rows(rows)
    insert_objects(BatchException, exceptions)
    for exception_id, result in refreshed.items():
        # The learners offered as the register is now; the 45 days from the latest upload.
        BatchException.objects.filter(pk=exception_id).update(candidates=result.candidates)
        BatchException.objects.filter(pk=exception_id, expires_at__lt=expires_at).update(
            expires_at=expires_at
        )
    if shares_new:
        created = dict(
            BatchException.objects.filter(
                row_id__in={first.pk for first in shares_new.values()}
            ).values_list("row_id", "id")
        )
        for row_id, first in shares_new.items():
            BatchRow.objects.filter(pk=row_id).update(shared_exception_id=created[first.pk])


def write_failure(row: BatchRow) -> None:
    row.state, row.return_code, row.processed_at = RowState.DONE, rc.RC011, timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        row.message = encode_text(
            _("This row could not be processed. Check its details or contact the service desk.")
        )
    row.uln, row.learner = "", None
    _write_rows([row])


def _write_rows(rows: list[BatchRow]) -> None:
    """Store the rows' results with one prepared UPDATE run for each row.

    Django's bulk_update builds a CASE expression per column per row, which cost more than
    matching the rows; a plain parameterised UPDATE through executemany does not.
    """
    quote = connection.ops.quote_name
    columns = (
        "state",
        "return_code",
        "message",
        "uln",
        "learner_id",
        "processed_at",
        "shared_exception_id",
    )
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    table, id_, state = (quote(name) for name in (BatchRow._meta.db_table, "id", "state"))
    # Only a pending row is written: a row is never done twice, whatever the locking.
    sql = f"UPDATE {table} SET {assignments} WHERE {id_} = %s AND {state} = %s"  # noqa: S608
    field = BatchRow._meta.get_field("processed_at")
    current = connections[DEFAULT_DB_ALIAS]  # not the proxy: one look-up, not one per row
    with current.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (
                    row.state,
                    row.return_code,
                    row.message,
                    row.uln,
                    row.learner_id,
                    field.get_db_prep_value(row.processed_at, current),
                    row.shared_exception_id,
                    row.pk,
                    RowState.PENDING,
                )
                for row in rows
            ],
        )
        written = cursor.rowcount
    if written != len(rows):
        raise RowAlreadyDone(f"{len(rows) - written} of {len(rows)} rows were no longer pending")
