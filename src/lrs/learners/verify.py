"""Verify learner (role VLD): are these details those of the learner with this ULN?

The real service's `verifyLearner`: a ULN with the given name, family name, date of birth and
gender gives one response code (`VerifyResponseCode`):

- WSVRC001 successful match: every detail is the learner's;
- WSVRC002 successful linked match: the same, for a ULN merged into a master; the master's ULN
  is returned;
- WSVRC003 / WSVRC004 similar (linked) match: the details agree, a name only as one of the
  variants find-by-ULN accepts (`name_agreement`: preferred given name, a known variant of
  the given name, the previous family name);
- WSVRC005 learner does not match: a detail disagrees;
- WSVRC006 ULN not found.

`FailureFlag`s say which comparison failed, whenever a detail is not an exact match: the given
name not the learner's given name (VRF1), nor the family name (VRF2) nor the previous family
name (VRF3); the family name not the given name (VRF4), nor the family name (VRF5) nor the
previous family name (VRF6); the date of birth (VRF7); the gender (VRF8). So names sent the
wrong way round show as VRF1 and VRF5 without VRF2 and VRF4. Gender is compared when both
sides say male or female (or say the same); the postcode, optional, is compared and reported
field by field but decides nothing (the record holds the *last known* postcode, and the real
request has none).

Every look-up is an audit row (`learner.verified`) on the learner whose record was compared
(the master, for a linked ULN), so that the learner's access log shows who verified them.
Single look-ups (portal, API) are limited per user per hour (`LRS_VERIFICATIONS_PER_HOUR`,
default 60), counted from those audit rows as the credit check does; a verify file (at most
5,000 rows, `lrs.batches.verify_files`) is not counted against it.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, audit_event, record_audits
from lrs.core.errors import ValidationFailed
from lrs.core.identifier_messages import identifier_message
from lrs.core.limits import per_hour_setting, under_hourly_limit
from lrs.core.models import AuditEvent
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, is_default_postcode, validate_postcode, validate_uln
from lrs.learners.choices import Gender
from lrs.learners.errors import VerificationsRateLimited
from lrs.learners.models import Learner
from lrs.learners.name_agreement import (
    NameVerdict,
    family_name_verdict,
    given_name_verdict,
)
from lrs.learners.response_codes import FailureFlag, VerifyResponseCode
from lrs.matching import normalise_name

_GENDERS = frozenset(Gender.values)
# Gender is compared when both sides give one of these, or when both give the same value.
_STATED_GENDERS = frozenset({Gender.MALE.value, Gender.FEMALE.value})
VERIFIED_CODES = frozenset(
    {
        VerifyResponseCode.SUCCESSFUL_MATCH,
        VerifyResponseCode.SUCCESSFUL_LINKED_MATCH,
        VerifyResponseCode.SIMILAR_MATCH,
        VerifyResponseCode.SIMILAR_LINKED_MATCH,
    }
)


# What each answer means, in the user's language (portal, API, the verify file's output).
RESPONSE_MESSAGES: dict[VerifyResponseCode, Promise] = {
    VerifyResponseCode.SUCCESSFUL_MATCH: gettext_lazy(
        "Verified: the details are those of the learner with this ULN."
    ),
    VerifyResponseCode.SUCCESSFUL_LINKED_MATCH: gettext_lazy(
        "Verified: this ULN is linked to a master ULN, whose learner these details are. "
        "Use the master ULN."
    ),
    VerifyResponseCode.SIMILAR_MATCH: gettext_lazy(
        "Verified with a similar name: the details agree, a name as one of the learner's "
        "other names."
    ),
    VerifyResponseCode.SIMILAR_LINKED_MATCH: gettext_lazy(
        "Verified with a similar name: this ULN is linked to a master ULN, whose learner "
        "these details are. Use the master ULN."
    ),
    VerifyResponseCode.LEARNER_DOES_NOT_MATCH: gettext_lazy(
        "Not verified: the details are not those of the learner with this ULN."
    ),
    VerifyResponseCode.ULN_NOT_FOUND: gettext_lazy("Not verified: no learner has this ULN."),
}
# What each failure flag says, in the user's language.
FLAG_DESCRIPTIONS: dict[FailureFlag, Promise] = {
    FailureFlag.GIVEN_DOESNT_MATCH_GIVEN: gettext_lazy(
        "The given name is not the learner's given name."
    ),
    FailureFlag.GIVEN_DOESNT_MATCH_FAMILY: gettext_lazy(
        "The given name is not the learner's family name."
    ),
    FailureFlag.GIVEN_DOESNT_MATCH_PREVIOUS_FAMILY: gettext_lazy(
        "The given name is not the learner's previous family name."
    ),
    FailureFlag.FAMILY_DOESNT_MATCH_GIVEN: gettext_lazy(
        "The family name is not the learner's given name."
    ),
    FailureFlag.FAMILY_DOESNT_MATCH_FAMILY: gettext_lazy(
        "The family name is not the learner's family name."
    ),
    FailureFlag.FAMILY_DOESNT_MATCH_PREVIOUS_FAMILY: gettext_lazy(
        "The family name is not the learner's previous family name."
    ),
    FailureFlag.DATE_OF_BIRTH_DOESNT_MATCH_DATE_OF_BIRTH: gettext_lazy(
        "The date of birth is not the learner's."
    ),
    FailureFlag.GENDER_DOESNT_MATCH_GENDER: gettext_lazy("The gender is not the learner's."),
}


def verifications_per_hour() -> int:
    return per_hour_setting("LRS_VERIFICATIONS_PER_HOUR", 60)


class FieldVerdict(enum.StrEnum):
    MATCHES = "matches"
    SIMILAR = "similar"  # a name accepted as a known variant
    DIFFERS = "differs"
    NOT_COMPARED = "not_compared"


# The details compared, in the order they are reported.
VERIFIED_FIELDS = ("given_name", "family_name", "date_of_birth", "gender", "postcode")


@dataclass(frozen=True)
class VerifyRequest:
    """One learner to verify (the real `LearnerToVerify`, plus an optional postcode)."""

    uln: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    gender: str
    postcode: str = ""


@dataclass(frozen=True)
class VerifyResult:
    searched: VerifyRequest  # as cleaned (ULN and postcode in their canonical form)
    response_code: VerifyResponseCode
    # The ULN verified: the master's for a linked ULN; "" unless verified (WSVRC001-004).
    uln: str = ""
    failure_flags: tuple[FailureFlag, ...] = ()
    # Each of VERIFIED_FIELDS; empty when the ULN was not found.
    fields: dict[str, FieldVerdict] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return self.response_code in VERIFIED_CODES

    @property
    def message(self) -> str:
        return str(RESPONSE_MESSAGES[self.response_code])

    @property
    def differing_fields(self) -> list[str]:
        return [name for name, verdict in self.fields.items() if verdict == FieldVerdict.DIFFERS]


# --- Checking the request -------------------------------------------------------------------


def clean_verify_request(request: VerifyRequest) -> VerifyRequest:
    """The request with its ULN and postcode in canonical form, or ValidationFailed per field."""
    errors: dict[str, list[str]] = {}
    uln = request.uln.strip()
    try:
        uln = validate_uln(uln)
    except IdentifierError as exc:
        errors["uln"] = [identifier_message(exc)]
    given_name = " ".join(request.given_name.split())
    family_name = " ".join(request.family_name.split())
    if not normalise_name(given_name):
        errors["given_name"] = [_("Enter the learner's %(label)s.") % {"label": _("given name")}]
    if not normalise_name(family_name):
        errors["family_name"] = [_("Enter the learner's %(label)s.") % {"label": _("family name")}]
    if request.date_of_birth is None:
        errors["date_of_birth"] = [_("Enter the learner's date of birth.")]
    elif request.date_of_birth > timezone.localdate():
        errors["date_of_birth"] = [_("Date of birth must be in the past.")]
    gender = request.gender.strip()
    if gender not in _GENDERS:
        errors["gender"] = [_("Choose a gender: 0 not known, 1 male, 2 female or 9 not specified.")]
    postcode = request.postcode.strip()
    if postcode:
        try:
            postcode = validate_postcode(postcode)
        except IdentifierError:
            errors["postcode"] = [
                _("Enter a real UK postcode, like CV4 9EE, or ZZ99 9ZZ if it is not known.")
            ]
    if errors:
        raise ValidationFailed(
            _("There is a problem with %(count)d field(s): %(fields)s.")
            % {"count": len(errors), "fields": ", ".join(errors)},
            field_errors=errors,
        )
    return VerifyRequest(
        uln=uln,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=request.date_of_birth,
        gender=gender,
        postcode=postcode,
    )


# --- Comparing with a record (no database) ---------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """How a request compares with one learner record."""

    fields: dict[str, FieldVerdict]
    failure_flags: tuple[FailureFlag, ...]

    @property
    def rank(self) -> int:
        """0 every detail matches, 1 similar (a name variant), 2 a detail differs."""
        decisive = [self.fields[name] for name in VERIFIED_FIELDS if name != "postcode"]
        if FieldVerdict.DIFFERS in decisive:
            return 2
        return 1 if FieldVerdict.SIMILAR in decisive else 0


_NAME_FIELD_VERDICT = {
    NameVerdict.EXACT: FieldVerdict.MATCHES,
    NameVerdict.VARIANT: FieldVerdict.SIMILAR,
    NameVerdict.DIFFERENT: FieldVerdict.DIFFERS,
}


def _gender_verdict(searched: str, recorded: str) -> FieldVerdict:
    if searched == recorded:
        return FieldVerdict.MATCHES
    if searched in _STATED_GENDERS and recorded in _STATED_GENDERS:
        return FieldVerdict.DIFFERS
    return FieldVerdict.NOT_COMPARED


def _postcode_verdict(searched: str, recorded: str) -> FieldVerdict:
    if not searched or not recorded or is_default_postcode(searched):
        return FieldVerdict.NOT_COMPARED
    if is_default_postcode(recorded):
        return FieldVerdict.NOT_COMPARED
    same = searched.replace(" ", "").upper() == recorded.replace(" ", "").upper()
    return FieldVerdict.MATCHES if same else FieldVerdict.DIFFERS


def compare_with_record(request: VerifyRequest, learner: Learner) -> Comparison:
    """Each detail of a (cleaned) request against one learner record, and the failed flags."""
    given = given_name_verdict(learner, request.given_name)
    family = family_name_verdict(learner, request.family_name)
    searched_given = normalise_name(request.given_name)
    searched_family = normalise_name(request.family_name)
    flags: list[FailureFlag] = []
    if given != NameVerdict.EXACT:
        flags.append(FailureFlag.GIVEN_DOESNT_MATCH_GIVEN)
        if searched_given != normalise_name(learner.family_name):
            flags.append(FailureFlag.GIVEN_DOESNT_MATCH_FAMILY)
        if searched_given != normalise_name(learner.previous_family_name):
            flags.append(FailureFlag.GIVEN_DOESNT_MATCH_PREVIOUS_FAMILY)
    if family != NameVerdict.EXACT:
        if searched_family != normalise_name(learner.given_name):
            flags.append(FailureFlag.FAMILY_DOESNT_MATCH_GIVEN)
        flags.append(FailureFlag.FAMILY_DOESNT_MATCH_FAMILY)
        if family != NameVerdict.VARIANT:
            flags.append(FailureFlag.FAMILY_DOESNT_MATCH_PREVIOUS_FAMILY)
    same_birth = request.date_of_birth == learner.date_of_birth
    if not same_birth:
        flags.append(FailureFlag.DATE_OF_BIRTH_DOESNT_MATCH_DATE_OF_BIRTH)
    gender = _gender_verdict(request.gender, learner.gender)
    if gender == FieldVerdict.DIFFERS:
        flags.append(FailureFlag.GENDER_DOESNT_MATCH_GENDER)
    return Comparison(
        fields={
            "given_name": _NAME_FIELD_VERDICT[given],
            "family_name": _NAME_FIELD_VERDICT[family],
            "date_of_birth": FieldVerdict.MATCHES if same_birth else FieldVerdict.DIFFERS,
            "gender": gender,
            "postcode": _postcode_verdict(request.postcode, learner.last_known_postcode),
        },
        failure_flags=tuple(flags),
    )


_CODES = {
    # (rank, linked) -> code
    (0, False): VerifyResponseCode.SUCCESSFUL_MATCH,
    (0, True): VerifyResponseCode.SUCCESSFUL_LINKED_MATCH,
    (1, False): VerifyResponseCode.SIMILAR_MATCH,
    (1, True): VerifyResponseCode.SIMILAR_LINKED_MATCH,
    (2, False): VerifyResponseCode.LEARNER_DOES_NOT_MATCH,
    (2, True): VerifyResponseCode.LEARNER_DOES_NOT_MATCH,
}


def verify_against(
    request: VerifyRequest, learner: Learner | None
) -> tuple[VerifyResult, Learner | None]:
    """The answer for a (cleaned) request and the learner of its ULN (None: not found), and
    the record it is about (the master, for a linked ULN)."""
    if learner is None:
        return VerifyResult(searched=request, response_code=VerifyResponseCode.ULN_NOT_FOUND), None
    master = learner.master
    # A linked ULN is verified against its master's details or, failing those, its own.
    records = [master, learner] if master is not None else [learner]
    comparisons = [compare_with_record(request, record) for record in records]
    best = min(comparisons, key=lambda comparison: comparison.rank)
    code = _CODES[(best.rank, master is not None)]
    about = master if master is not None else learner
    return (
        VerifyResult(
            searched=request,
            response_code=code,
            uln=about.uln if code in VERIFIED_CODES else "",
            failure_flags=() if best.rank == 0 else best.failure_flags,
            fields=best.fields,
        ),
        about,
    )


# --- The look-ups ---------------------------------------------------------------------------


def _audit(actor: Actor, result: VerifyResult, learner: Learner | None) -> AuditEvent:
    return audit_event(
        actor=actor,
        action=AuditAction.LEARNER_VERIFIED,
        learner=learner,
        details={
            "searched_uln": result.searched.uln,
            "response_code": result.response_code.value,
            "failure_flags": [flag.value for flag in result.failure_flags],
        },
    )


def _learners_by_uln(ulns: Sequence[str]) -> dict[str, Learner]:
    return {
        learner.uln: learner
        for learner in Learner.objects.select_related("master").filter(uln__in=set(ulns))
    }


def verify_learner(*, actor: Actor, request: VerifyRequest) -> VerifyResult:
    """One look-up (portal, API): checked, limited per user per hour, audited.

    ValidationFailed for a request that can't be looked up (a ULN whose check digit is wrong,
    a missing detail); VerificationsRateLimited past the hourly limit.
    """
    ensure_can(actor, Permission.VERIFY_LEARNER)
    cleaned = clean_verify_request(request)
    with transaction.atomic():
        if not under_hourly_limit(
            actor=actor,
            action=AuditAction.LEARNER_VERIFIED,
            limit=verifications_per_hour(),
            excluding_channels=[Channel.BATCH],
        ):
            raise VerificationsRateLimited()
        learner = _learners_by_uln([cleaned.uln]).get(cleaned.uln)
        result, about = verify_against(cleaned, learner)
        _audit(actor, result, about).save()  # one row: an INSERT, not the bulk path
    return result


def verify_learners(
    *, actor: Actor, requests: Sequence[VerifyRequest]
) -> list[VerifyResult | ValidationFailed]:
    """Many look-ups (a verify file's chunk of rows): one read, one audit write.

    Each request is checked on its own: a bad one gets its ValidationFailed in its place. Not
    counted against the hourly limit of single look-ups (the file's size is the limit).
    """
    ensure_can(actor, Permission.VERIFY_LEARNER)
    cleaned: list[VerifyRequest | ValidationFailed] = []
    for request in requests:
        try:
            cleaned.append(clean_verify_request(request))
        except ValidationFailed as exc:
            cleaned.append(exc)
    learners = _learners_by_uln([c.uln for c in cleaned if isinstance(c, VerifyRequest)])
    results: list[VerifyResult | ValidationFailed] = []
    events = []
    for item in cleaned:
        if isinstance(item, ValidationFailed):
            results.append(item)
            continue
        result, about = verify_against(item, learners.get(item.uln))
        results.append(result)
        events.append(_audit(actor, result, about))
    record_audits(events)
    return results


# --- For the learner's access log -----------------------------------------------------------


@dataclass(frozen=True)
class VerificationsByOrganisation:
    organisation_name: str
    look_ups: int
    last: datetime.datetime


def verifications_of(learner: Learner) -> list[VerificationsByOrganisation]:
    """Who has verified this learner: each organisation's look-ups (any channel), latest first.

    For the learner's access log (and the service desk); it reads the audit rows written by
    `verify_learner` and `verify_learners`. The caller decides who may see it.
    """
    rows = (
        AuditEvent.objects.filter(learner_id=learner.pk, action=AuditAction.LEARNER_VERIFIED)
        .values("organisation_id", "organisation_name")
        .annotate(look_ups=Count("id"), last=Max("occurred_at"))
        .order_by("-last", "organisation_name")
    )
    return [
        VerificationsByOrganisation(
            organisation_name=row["organisation_name"], look_ups=row["look_ups"], last=row["last"]
        )
        for row in rows
    ]
