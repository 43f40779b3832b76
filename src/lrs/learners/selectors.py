"""Reads of the learner register that apply the service's rules (permissions, the 10-result cap)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, audit_event, record_audit, record_audits
from lrs.core.errors import ValidationFailed
from lrs.core.identifier_messages import identifier_message
from lrs.core.models import AuditEvent
from lrs.core.roles import Permission
from lrs.core.rows import load_by, prepared_cursor
from lrs.core.security import note_capped_searches
from lrs.identifiers import IdentifierError, validate_uln
from lrs.learners import matching_adapter
from lrs.learners.details import SearchDetails
from lrs.learners.errors import LearnerNotFound
from lrs.learners.known import known_rows
from lrs.learners.matching_adapter import Matched, SearchOutcome
from lrs.learners.models import KnownBy, KnownLearner, Learner
from lrs.learners.name_agreement import names_agree
from lrs.learners.validation import validate_search_details
from lrs.matching import MatchKind


@dataclass(frozen=True)
class UlnLookup:
    learner: Learner
    searched_uln: str
    master_substituted: bool


def _master_of(learner: Learner) -> Learner:
    """Follow links to the master; a merge never links a master, but guard against cycles."""
    seen = {learner.pk}
    while learner.master_id is not None and learner.master_id not in seen:
        seen.add(learner.master_id)
        learner = Learner.objects.select_related("master").get(pk=learner.master_id)
    return learner


def find_learner_by_uln(
    *, uln: str, given_name: str, family_name: str, actor: Actor, remember: bool = True
) -> UlnLookup:
    """The learner with this ULN and these names; a linked ULN gives its master (WSRC0022).

    `remember=False` is a check (the web services' FindType CHK): audited, but the learner does
    not become known to the organisation (no record opens for it by ULN alone afterwards).
    """
    ensure_can(actor, Permission.FIND_LEARNER)
    try:
        uln = validate_uln(uln)
    except IdentifierError as exc:
        message = identifier_message(exc)
        raise ValidationFailed(message, field_errors={"uln": [message]}) from exc
    # Plain SQL by the unique ULN (`lrs.core.rows`): the ORM's compiling cost more than the
    # look-up on every find.
    learner = next(iter(load_by(Learner, "uln", [uln])), None)
    # The same answer for an unknown ULN and for wrong names, so ULNs can't be mined.
    if learner is None or not names_agree(learner, given_name, family_name):
        record_audit(
            actor=actor, action=AuditAction.LEARNER_FOUND_BY_ULN, details={"outcome": "none"}
        )
        raise LearnerNotFound()
    substituted = learner.master_id is not None
    if substituted:
        learner = _master_of(learner)
    # The audit row and, unless a check, the learner now known: one statement.
    found = audit_event(
        actor=actor,
        action=AuditAction.LEARNER_FOUND_BY_ULN,
        learner=learner,
        details={
            "searched_uln": uln,
            "master_substituted": substituted,
            **({} if remember else {"check_only": True}),
        },
    )
    known = known_rows(actor=actor, learner_ids=[learner.pk], how=KnownBy.FOUND_BY_ULN)
    record_audits([found], together_with=[known] if remember else ())
    return UlnLookup(learner=learner, searched_uln=uln, master_substituted=substituted)


def search_learners(
    *, details: SearchDetails, actor: Actor, remember: bool = True
) -> SearchOutcome:
    """Find by personal details: exact, possible (1-10, ranked), none, or too many (no data).

    `remember=False` is a check (the web services' FindType CHK): it reads and is audited, but
    registers nothing, opens no exception and does not make the learners it shows known to the
    organisation (`KnownLearner`), so no record opens for it by ULN alone afterwards.
    """
    result = match_learners_many(searches=[details], actor=actor)[0]
    record_searches(actor=actor, results=[result], remember=remember)
    if isinstance(result, ValidationFailed):
        raise result
    return result


_PENDING: Any = object()


def search_learners_many(
    *, searches: Sequence[SearchDetails], actor: Actor
) -> list[SearchOutcome | ValidationFailed]:
    """Run many searches (a batch file's rows) with one permission check and one audit write.

    Each search is validated on its own: a bad row gets its ValidationFailed in its place and
    the others go on.
    """
    results = match_learners_many(searches=searches, actor=actor)
    record_searches(actor=actor, results=results)
    return results


def match_learners_many(
    *, searches: Sequence[SearchDetails], actor: Actor
) -> list[SearchOutcome | ValidationFailed]:
    """`search_learners_many` without its audit: reads only.

    For a caller that searches before it takes the database's write lock and records the
    searches (`record_searches`) once it holds it; nothing found may be shown before then.
    """
    ensure_can(actor, Permission.FIND_LEARNER)
    checked: list[Matched | ValidationFailed] = []
    people = []
    for details in searches:
        try:
            cleaned = validate_search_details(details)
        except ValidationFailed as exc:
            checked.append(exc)
            continue
        people.append(matching_adapter.person_from(cleaned))
        checked.append(_PENDING)
    if len(people) == 1:
        matched = iter([matching_adapter.match_person(people[0])])
    else:
        matched = iter(matching_adapter.match_people(people))
    checked = [next(matched) if item is _PENDING else item for item in checked]
    found = iter(matching_adapter.with_learners([o for o in checked if isinstance(o, Matched)]))
    return [item if isinstance(item, ValidationFailed) else next(found) for item in checked]


def record_searches(
    *,
    actor: Actor,
    results: Sequence[SearchOutcome | ValidationFailed],
    remember: bool = True,
) -> None:
    """Audit searches, each one and each learner it returned, in one write; the learners shown
    become known to the actor's organisation (one more write) unless this is a check only."""
    events = []
    shown: list[int] = []
    capped_searches = 0
    for outcome in results:
        if isinstance(outcome, ValidationFailed):
            continue
        details: dict[str, object] = {
            "outcome": outcome.kind.value,
            "returned": len(outcome.matches),
            # Which matching model decided: a version of `MatchingModel`, or None for the
            # shipped defaults (ADR 0008).
            "model_version": outcome.model_version,
        }
        if not remember:
            details["check_only"] = True
        max_results = matching_adapter.MATCH_CONFIG.max_results
        if outcome.kind == MatchKind.TOO_MANY or len(outcome.matches) >= max_results:
            # The 10-result limit held data back: many of these are a data-mining signal.
            details["capped"] = True
            capped_searches += 1
        events.append(
            audit_event(actor=actor, action=AuditAction.LEARNER_SEARCHED, details=details)
        )
        events += [
            audit_event(
                actor=actor,
                action=AuditAction.LEARNER_SEARCHED_RESULT,
                learner=match.learner,
                details={"outcome": outcome.kind.value, "score": round(match.scored.score, 2)},
            )
            for match in outcome.matches
        ]
        shown += [match.learner.pk for match in outcome.matches]
    # The audit rows and the learners now known in one statement (`record_audits`); the
    # count of capped searches reads them back, so in the same transaction.
    known = [known_rows(actor=actor, learner_ids=shown, how=KnownBy.SEARCH_RESULT)]
    with transaction.atomic() if capped_searches else contextlib.nullcontext():
        record_audits(events, together_with=known if remember else ())
        if capped_searches:
            note_capped_searches(actor=actor)


def is_known_to_organisation(*, learner: Learner, actor: Actor) -> bool:
    """Whether the actor's organisation knows this learner (`KnownLearner`, ADR 2).

    A ULN alone must not open a record (ULNs could be guessed); the organisation first finds
    the learner by ULN and names or by personal details, as in the real portal, or registers,
    imports or updates them. The service desk may open any record.
    """
    if actor.can(Permission.MANAGE_ORGANISATIONS):
        return True
    return KnownLearner.objects.filter(
        organisation_id=actor.organisation.pk, learner_id=learner.pk
    ).exists()


def get_learner(*, uln: str, actor: Actor) -> Learner:
    """The full record of a learner the actor's organisation already knows, by ULN."""
    ensure_can(actor, Permission.FIND_LEARNER)
    learner = Learner.objects.select_related("master").filter(uln=uln).first()
    if learner is None or not is_known_to_organisation(learner=learner, actor=actor):
        raise LearnerNotFound(
            _(
                "No learner with this ULN has been found by your organisation. Find the learner "
                "by ULN and names, or by personal details, first."
            )
        )
    record_audit(actor=actor, action=AuditAction.LEARNER_VIEWED, learner=learner)
    return learner


def list_linked_ulns(learner: Learner) -> list[str]:
    """The ULNs linked to this master, in order."""
    return linked_ulns_of([learner])[learner.pk]


def linked_ulns_of(learners: Sequence[Learner]) -> dict[int, list[str]]:
    """`list_linked_ulns` of several masters (a search's results) in one query, by learner id;
    every learner given has an entry, empty when nothing is linked to it.

    Plain SQL: every API answer with a learner makes it. Sorted here: `ORDER BY uln` would
    invite the planner to walk the whole register in ULN order instead of using the
    linked-learner index.
    """
    linked: dict[int, list[str]] = {learner.pk: [] for learner in learners}
    if not linked:
        return linked
    quote = connection.ops.quote_name
    ids = list(linked)
    where = "= %s" if len(ids) == 1 else f"IN ({', '.join(['%s'] * len(ids))})"
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('master_id')}, {quote('uln')} "  # noqa: S608 - names from metadata
            f"FROM {quote(Learner._meta.db_table)} WHERE {quote('master_id')} {where}",
            ids,
        )
        for master_id, uln in cursor.fetchall():
            linked[master_id].append(uln)
    for ulns in linked.values():
        ulns.sort()
    return linked


def list_learner_history(*, learner: Learner, actor: Actor) -> QuerySet[AuditEvent]:
    """Every registration and change of the learner: who, organisation, channel, when, values."""
    ensure_can(actor, Permission.VIEW_LEARNER_HISTORY)
    return AuditEvent.objects.filter(
        learner_id=learner.pk,
        action__in=[
            AuditAction.LEARNER_REGISTERED,
            AuditAction.LEARNER_IMPORTED,
            AuditAction.LEARNER_UPDATED,
        ],
    ).order_by("occurred_at", "id")


@dataclass(frozen=True)
class RetrievedUln:
    """One ULN asked for by `retrieve_ulns`: its learner (the master of a linked ULN), or None
    when no learner with it is known to the caller's organisation."""

    uln: str
    learner: Learner | None
    master_uln: str = ""


def retrieve_ulns(*, ulns: Sequence[str], actor: Actor) -> list[RetrievedUln]:
    """The learners behind ULNs the organisation already knows (a linked ULN gives its master).

    An unknown ULN, a ULN whose check digit is wrong and a learner the organisation has not
    found or registered all answer the same (not found), so ULNs can't be mined.
    """
    ensure_can(actor, Permission.FIND_LEARNER)
    valid: list[str] = []
    for uln in ulns:
        try:
            valid.append(validate_uln(uln))
        except IdentifierError:
            continue
    by_uln = {
        learner.uln: learner
        for learner in Learner.objects.select_related("master").filter(uln__in=set(valid))
    }
    results: list[RetrievedUln] = []
    events = []
    for uln in ulns:
        learner = by_uln.get(uln.strip())
        if learner is None:
            results.append(RetrievedUln(uln=uln, learner=None))
            continue
        master = _master_of(learner) if learner.master_id is not None else learner
        if not (
            is_known_to_organisation(learner=learner, actor=actor)
            or is_known_to_organisation(learner=master, actor=actor)
        ):
            results.append(RetrievedUln(uln=uln, learner=None))
            continue
        results.append(
            RetrievedUln(
                uln=uln, learner=master, master_uln=master.uln if master is not learner else ""
            )
        )
        events.append(
            audit_event(
                actor=actor,
                action=AuditAction.LEARNER_VIEWED,
                learner=master,
                details={"retrieved_uln": learner.uln},
            )
        )
    record_audits(events)
    return results
