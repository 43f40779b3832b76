"""LearnerServiceR9.svc operations: each reads its request, calls the services the portal and
the JSON API call (the PLR, the register, the access log, the organisation register), and
writes the real service's response."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from lxml import etree

from lrs.api.schemas.plr import LearningEventOut
from lrs.api.soap.envelope import (
    ARRAYS_NS,
    R9_LEARNER_NS,
    R9_MODEL_NS,
    R9_NS,
    XSI_NS,
    SoapFault,
    fault,
)
from lrs.api.soap.learner_service import validation_fault
from lrs.core.actor import Actor
from lrs.core.errors import DomainError, ValidationFailed
from lrs.learner_accounts.selectors import organisation_access_log
from lrs.learners.choices import AbilityToShare
from lrs.learners.errors import (
    IdenticalLearnerExists,
    LearnerNotFound,
    LinkedUlnNotUpdatable,
    StaleVersion,
    UlnNotFoundForUpdate,
)
from lrs.learners.models import Learner
from lrs.learners.response_codes import ResponseCode
from lrs.learners.selectors import find_learner_by_uln, list_linked_ulns
from lrs.learners.services import update_learner
from lrs.organisations.selectors import get_invoking_organisation
from lrs.plr.choices import Source
from lrs.plr.errors import InvalidUln, LearnerNotVerified, PlrNotShared
from lrs.plr.models import LearningEvent
from lrs.plr.selectors import get_learner_learning_events

Operation = Callable[[etree._Element, Actor], etree._Element]

# LearningEvent's members, alphabetical as WCF writes them, with the JSON API's field name.
EVENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("AchievementAwardDate", "achievement_award_date"),
    ("AchievementProviderName", "achievement_provider_name"),
    ("AchievementProviderUkprn", "achievement_provider_ukprn"),
    ("AwardingOrganisationName", "awarding_organisation_name"),
    ("AwardingOrganisationUkprn", "awarding_organisation_ukprn"),
    ("CollectionType", "collection_type"),
    ("Credits", "credits"),
    ("DateLoaded", "date_loaded"),
    ("Grade", "grade"),
    ("ID", "id"),
    ("LanguageForAssessment", "language_for_assessment"),
    ("Level", "level"),
    ("ParticipationEndDate", "participation_end_date"),
    ("ParticipationStartDate", "participation_start_date"),
    ("QualificationType", "qualification_type"),
    ("Restriction", "restriction"),
    ("ReturnNumber", "return_number"),
    ("Source", "source"),
    ("Status", "status"),
    ("Subject", "subject"),
    ("SubjectCode", "subject_code"),
    ("UnderDataChallenge", "under_data_challenge"),
)
# Written only when they have a value (the real service leaves them out otherwise).
_ONLY_WITH_VALUE = frozenset({"CollectionType", "LanguageForAssessment"})
# Written empty for a data return (ILR, NPD) and left out of an awarding organisation's event,
# as the real service does.
_DATA_RETURN_ONLY = frozenset(
    {"ParticipationEndDate", "ParticipationStartDate", "Restriction", "ReturnNumber"}
)
# Written as xsi:nil when there is no value.
_NIL_WHEN_EMPTY = frozenset({"Level"})
# GetType BRIEF: what an event is, without where and when it was studied (docs/soap.md).
BRIEF_FIELDS = frozenset(
    {
        "AchievementAwardDate",
        "AwardingOrganisationName",
        "Grade",
        "ID",
        "Level",
        "QualificationType",
        "Source",
        "Status",
        "Subject",
        "SubjectCode",
        "UnderDataChallenge",
    }
)


def _m(name: str) -> str:
    return f"{{{R9_MODEL_NS}}}{name}"


def _t(name: str) -> str:
    return f"{{{R9_NS}}}{name}"


def _text(parent: etree._Element, *path: str) -> str:
    node: Any = parent
    for name in path:
        node = node.find(name) if node is not None else None
    if node is None or node.get(f"{{{XSI_NS}}}nil") in ("true", "1"):
        return ""
    return (node.text or "").strip()


def _event_element(parent: etree._Element, event: LearningEvent, *, brief: bool) -> None:
    values = LearningEventOut.of(event)
    element = etree.SubElement(parent, _m("LearningEvent"))
    data_return = event.source != Source.AO
    for name, field in EVENT_FIELDS:
        if brief and name not in BRIEF_FIELDS:
            continue
        value = values[field]
        text = "" if value is None else str(value)
        if name in _ONLY_WITH_VALUE and not text:
            continue
        if name in _DATA_RETURN_ONLY and not data_return and not text:
            continue
        if name == "Restriction" and not data_return:
            continue  # an awarding organisation's event has no restriction field
        child = etree.SubElement(element, _m(name))
        if name in _NIL_WHEN_EMPTY and not text:
            child.set(f"{{{XSI_NS}}}nil", "true")
        elif text:
            child.text = text


def _result(code: str, found_uln: str, incoming_uln: str) -> tuple[etree._Element, etree._Element]:
    response = etree.Element(_t("GetLearnerLearningEventsResponse"), nsmap={None: R9_NS})
    result = etree.SubElement(
        response, _t("GetLearnerLearningEventsResult"), nsmap={"a": R9_MODEL_NS, "i": XSI_NS}
    )
    etree.SubElement(result, _m("ResponseCode")).text = code
    found = etree.SubElement(result, _m("FoundULN"))
    found.text = found_uln or None
    etree.SubElement(result, _m("IncomingULN")).text = incoming_uln
    record = etree.SubElement(result, _m("LearnerRecord"))
    return response, record


def get_learner_learning_events_operation(request: etree._Element, actor: Actor) -> etree._Element:
    uln = _text(request, _t("uln"))
    dob = _text(request, _t("dateOfBirth"))
    try:
        date_of_birth = datetime.date.fromisoformat(dob) if dob else None
    except ValueError:
        raise fault("WSEC0001", f"Element 'dateOfBirth': '{dob}' is not a valid date.") from None
    brief = _text(request, _t("getType")) == "BRIEF"
    try:
        record = get_learner_learning_events(
            uln=uln,
            actor=actor,
            given_name=_text(request, _t("givenName")),
            family_name=_text(request, _t("familyName")),
            date_of_birth=date_of_birth,
        )
    except PlrNotShared as exc:
        return _result(exc.code, exc.found_uln, exc.incoming_uln)[0]
    except LearnerNotVerified as exc:
        return _result(exc.code, "", exc.incoming_uln)[0]
    except InvalidUln as exc:
        raise fault("WSEC0001", str(exc.message)) from None
    response, learner_record = _result(record.response_code, record.found_uln, record.incoming_uln)
    for event in record.events:
        _event_element(learner_record, event, brief=brief)
    return response


# --- LearnerByUln, UpdateLearnerSubsetFields, ViewAudit, GetOrganisation -----------------


def _domain_fault(exc: DomainError) -> SoapFault:
    """A refusal with the PLR's own code (WSEC0206, WSEC0208, WSEC0136) as the DomainFault."""
    return SoapFault(str(exc.code), str(exc.message), str(exc.message))


def _l(name: str) -> str:
    return f"{{{R9_LEARNER_NS}}}{name}"


def _value(parent: etree._Element, tag: str, value: object) -> None:
    """A member with its value, or xsi:nil when there is none (as WCF writes a null)."""
    child = etree.SubElement(parent, tag)
    if value is None or value == "":
        child.set(f"{{{XSI_NS}}}nil", "true")
    else:
        child.text = str(value)


def _date_time(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat()
    return f"{value.isoformat()}T00:00:00"


def _int(value: str) -> int | None:
    return int(value) if value.strip().lstrip("-").isdigit() else None


def learner_entity(parent: etree._Element, learner: Learner) -> None:
    """The MIAPModel learner: the members this register holds, alphabetical as WCF writes."""
    element = etree.SubElement(parent, _m("Learner"), nsmap={"b": R9_LEARNER_NS})
    linked = list_linked_ulns(learner)
    members: tuple[tuple[str, object], ...] = (
        ("AbilityToShare", _int(learner.ability_to_share)),
        ("CreatedDate", _date_time(learner.created_at)),
        ("DateOfAddressCapture", _date_time(learner.date_of_address_capture)),
        ("DateOfBirth", _date_time(learner.date_of_birth)),
        ("DateOfDeath", _date_time(learner.date_of_death)),
        ("EmailAddress", learner.email_address),
        ("FamilyName", learner.family_name),
        ("FamilyNameAt16", learner.family_name_at_16),
        ("Gender", _int(learner.gender)),
        ("GivenName", learner.given_name),
        ("LastKnownAddressCountyOrCity", learner.last_known_address_county_or_city),
        ("LastKnownAddressLine1", learner.last_known_address_line1),
        ("LastKnownAddressLine2", learner.last_known_address_line2),
        ("LastKnownAddressTown", learner.last_known_address_town),
        ("LastKnownPostCode", learner.last_known_postcode),
        ("LastUpdatedDate", _date_time(learner.updated_at)),
    )
    for name, value in members:
        _value(element, _l(name), value)
    ulns = etree.SubElement(element, _l("LinkedUlns"), nsmap={"c": ARRAYS_NS})
    for uln in linked:
        etree.SubElement(ulns, f"{{{ARRAYS_NS}}}string").text = uln
    for name, value in (
        ("MasterUln", None),  # the learner returned is always a master
        ("MiddleOtherName", learner.middle_other_name),
        ("Nationality", learner.nationality),
        ("Notes", learner.notes),
        ("OtherVerificationDescription", learner.other_verification_description),
        ("PlaceOfBirth", learner.place_of_birth),
        ("PreferredGivenName", learner.preferred_given_name),
        ("PreviousFamilyName", learner.previous_family_name),
        ("RecordStatus", _int(learner.learner_status)),
        ("SchoolAtAge16", learner.school_at_16),
        ("ScottishCandidateNumber", learner.scottish_candidate_number),
        ("Title", learner.title),
        ("Uln", learner.uln),
        ("UniqueCandidateIdentifier", learner.uci),
        ("UniquePupilNumber", learner.upn),
        ("VerificationType", _int(learner.verification_type)),
        ("VersionNumber", learner.version_number),
    ):
        _value(element, _l(name), value)


def _wrapped(operation: str) -> tuple[etree._Element, etree._Element]:
    response = etree.Element(_t(f"{operation}Response"), nsmap={None: R9_NS})
    result = etree.SubElement(
        response, _t(f"{operation}Result"), nsmap={"a": R9_MODEL_NS, "i": XSI_NS}
    )
    return response, result


def learner_by_uln_operation(request: etree._Element, actor: Actor) -> etree._Element:
    """Find by ULN and names: WSRC0004, WSRC0022 with the master for a linked ULN, WSRC0001.
    FindType CHK checks only: the learner does not become known to the organisation."""
    uln = _text(request, _t("uln"))
    given_name = _text(request, _t("givenName"))
    family_name = _text(request, _t("familyName"))
    check_only = _text(request, _t("findType")) == "CHK"
    response, result = _wrapped("LearnerByUln")
    try:
        found = find_learner_by_uln(
            uln=uln,
            given_name=given_name,
            family_name=family_name,
            actor=actor,
            remember=not check_only,
        )
    except LearnerNotFound:
        _value(result, _m("ResponseCode"), ResponseCode.NO_MATCH)
        _value(result, _m("FamilyName"), family_name)
        _value(result, _m("GivenName"), given_name)
        _value(result, _m("Learner"), None)
        _value(result, _m("Uln"), uln)
        return response
    except ValidationFailed as exc:
        raise validation_fault(exc) from None
    code = ResponseCode.MASTER_SUBSTITUTED if found.master_substituted else ResponseCode.EXACT_MATCH
    _value(result, _m("ResponseCode"), code)
    _value(result, _m("FamilyName"), found.learner.family_name)
    _value(result, _m("GivenName"), found.learner.given_name)
    learner_entity(result, found.learner)
    _value(result, _m("Uln"), found.learner.uln)
    return response


# AbilityToShare as WCF writes the enum, and the register's value (NotProvided: no change).
ABILITY_TO_SHARE = {
    "FPNNotSeen": AbilityToShare.NOT_SEEN.value,
    "FPNSeenShareData": AbilityToShare.SEEN.value,
}
# UpdateLearnerSubsetFields' elements and the learner field each one changes. telephoneNumber
# is accepted and not kept: this register holds no telephone numbers (docs/soap.md).
SUBSET_FIELDS: tuple[tuple[str, str], ...] = (
    ("emailAddress", "email_address"),
    ("schoolAtAge16", "school_at_16"),
    ("preferredGivenName", "preferred_given_name"),
)


def update_learner_subset_fields_operation(request: etree._Element, actor: Actor) -> etree._Element:
    """Email address, privacy notice, school at 16 and preferred given name, through the same
    update as updateSingleLearner and the JSON API: an element left out or nil is unchanged."""
    uln = _text(request, _t("uln"))
    version = int(_text(request, _t("versionNumber")) or "0")
    changes: dict[str, Any] = {}
    for name, field in SUBSET_FIELDS:
        element = request.find(_t(name))
        if element is None or element.get(f"{{{XSI_NS}}}nil") in ("true", "1"):
            continue
        changes[field] = (element.text or "").strip()
    sharing = ABILITY_TO_SHARE.get(_text(request, _t("abilityToShare")))
    if sharing is not None:
        changes["ability_to_share"] = sharing
    code: str
    try:
        result = update_learner(uln=uln, version_number=version, changes=changes, actor=actor)
        code = ResponseCode.UPDATED if result.changed else ResponseCode.NO_CHANGES
    except StaleVersion:
        code = ResponseCode.STALE_VERSION
    except (UlnNotFoundForUpdate, LinkedUlnNotUpdatable):
        code = ResponseCode.NOT_FOUND_FOR_UPDATE
    except IdenticalLearnerExists:
        code = ResponseCode.IDENTICAL_LEARNER
    except ValidationFailed as exc:
        raise validation_fault(exc) from None
    response = etree.Element(_t("UpdateLearnerSubsetFieldsResponse"), nsmap={None: R9_NS})
    etree.SubElement(response, _t("UpdateLearnerSubsetFieldsResult")).text = code
    return response


def view_audit_operation(request: etree._Element, actor: Actor) -> etree._Element:
    """The learner's access log, by organisation (User is always nil: never a person's name)."""
    page_text = _text(request, _t("page"))
    try:
        log = organisation_access_log(
            uln=_text(request, _t("learnerUln")),
            actor=actor,
            given_name=_text(request, _t("learnerGivenName")),
            family_name=_text(request, _t("learnerFamilyName")),
            page=int(page_text) if page_text else 1,
        )
    except (PlrNotShared, LearnerNotVerified, InvalidUln) as exc:
        raise _domain_fault(exc) from None
    response, result = _wrapped("ViewAudit")
    entries = etree.SubElement(result, _m("List"))
    for entry in log.entries:
        item = etree.SubElement(entries, _m("PlrAccessEntryResponse"))
        _value(item, _m("Action"), entry.what)
        _value(item, _m("DateTime"), _date_time(entry.when))
        _value(item, _m("Organisation"), entry.who)
        _value(item, _m("User"), None)
    for name, value in (
        ("PageCount", log.page_count),
        ("PageIndex", log.page),
        ("PageSize", log.page_size),
        ("SortIndex", 0),  # by date and time
        ("SortOrder", 1),  # newest first
        ("TotalItems", log.total),
    ):
        _value(result, _m(name), value)
    return response


def get_organisation_operation(request: etree._Element, actor: Actor) -> etree._Element:
    """The invoking organisation's entry on the organisation register (another UKPRN: the
    service desk only, WSEC0006 for anyone else)."""
    organisation = get_invoking_organisation(actor=actor, ukprn=_text(request, _t("ukPrn")))
    response, result = _wrapped("GetOrganisation")
    _value(result, _m("ResponseCode"), ResponseCode.EXACT_MATCH)
    _value(result, _m("DisplayName"), organisation.name)
    _value(result, _m("OrgRef"), None)  # this register has no organisation references
    _value(result, _m("Status"), organisation.get_status_display())
    _value(result, _m("Ukprn"), organisation.ukprn)
    return response


OPERATIONS: dict[str, Operation] = {
    _t("GetLearnerLearningEvents"): get_learner_learning_events_operation,
    _t("LearnerByUln"): learner_by_uln_operation,
    _t("UpdateLearnerSubsetFields"): update_learner_subset_fields_operation,
    _t("ViewAudit"): view_audit_operation,
    _t("GetOrganisation"): get_organisation_operation,
}
