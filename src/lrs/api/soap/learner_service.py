"""LearnerService.svc operations: each reads its request element, calls the same services as
the portal and the JSON API, and writes the real service's response element.

Every operation runs as the user named in the request (`UserName`) of the organisation named by
`UKPRN`, through the `soap` channel; the services check that user's roles and write the audit.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree

from lrs.api.response_codes import FOR_MATCH_KIND
from lrs.api.soap.envelope import (
    BATCH_NS,
    FIND_NS,
    LEARNER_NS,
    REG_NS,
    REPORT_NS,
    VERIFY_NS,
    SoapFault,
    fault,
    sub,
    text_of,
)
from lrs.api.soap.learner_service_batches import (
    get_batch_registration_output,
    get_verify_batch_output,
    submit_batch_registration,
    submit_verify_batch,
)
from lrs.core.actor import Actor
from lrs.core.errors import ValidationFailed
from lrs.learners.details import LearnerDetails, SearchDetails
from lrs.learners.errors import (
    IdenticalLearnerExists,
    LearnerNotFound,
    LinkedUlnNotUpdatable,
    StaleVersion,
    UlnNotFoundForUpdate,
)
from lrs.learners.models import Learner
from lrs.learners.response_codes import ResponseCode
from lrs.learners.selectors import (
    find_learner_by_uln,
    list_linked_ulns,
    retrieve_ulns,
    search_learners,
)
from lrs.learners.services import RegistrationStatus, register_learner, update_learner
from lrs.learners.verify import VerifyRequest, verify_learner
from lrs.matching import MatchKind

Operation = Callable[[etree._Element, Actor], etree._Element]

# LearnerToRegister's elements, in order, and the learner field each one sets.
REGISTER_FIELDS: tuple[tuple[str, str], ...] = (
    ("Title", "title"),
    ("GivenName", "given_name"),
    ("MiddleOtherName", "middle_other_name"),
    ("FamilyName", "family_name"),
    ("PreferredGivenName", "preferred_given_name"),
    ("PreviousFamilyName", "previous_family_name"),
    ("FamilyNameAtAge16", "family_name_at_16"),
    ("SchoolAtAge16", "school_at_16"),
    ("LastKnownAddressLine1", "last_known_address_line1"),
    ("LastKnownAddressLine2", "last_known_address_line2"),
    ("LastKnownAddressTown", "last_known_address_town"),
    ("LastKnownAddressCountyOrCity", "last_known_address_county_or_city"),
    ("LastKnownPostCode", "last_known_postcode"),
    ("DateOfAddressCapture", "date_of_address_capture"),
    ("DateOfBirth", "date_of_birth"),
    ("PlaceOfBirth", "place_of_birth"),
    ("Gender", "gender"),
    ("EmailAddress", "email_address"),
    ("Nationality", "nationality"),
    ("ScottishCandidateNumber", "scottish_candidate_number"),
    ("VerificationType", "verification_type"),
    ("OtherVerificationDescription", "other_verification_description"),
    ("AbilityToShare", "ability_to_share"),
    ("Notes", "notes"),
)
_DATE_ELEMENTS = frozenset({"DateOfBirth", "DateOfAddressCapture"})

# Learner fields the real record has and this register does not keep: the real service's
# values for a learner of ordinary standing (docs/soap.md, "Differences").
TIER_LEVEL = "0"


def _date(name: str, value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise fault("WSEC0001", f"Element '{name}': '{value}' is not a valid date.") from None


def _d(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.isoformat()


def validation_fault(exc: ValidationFailed) -> SoapFault:
    """A service's refusal of a field, as the real service's WSEC0001 naming it."""
    details = "; ".join(
        f"{name}: {' '.join(messages)}" for name, messages in exc.field_errors.items()
    )
    return fault("WSEC0001", details or exc.message)


# --- Response pieces --------------------------------------------------------------------


def learner_element(learner: Learner, *, master_substituted: bool = False) -> etree._Element:
    """The real `Learner` (children unqualified; LinkedULNs in the learner namespace)."""
    element = etree.Element("Learner")
    for name, value in (
        ("CreatedDate", _d(learner.created_at)),
        ("LastUpdatedDate", _d(learner.updated_at)),
        ("ULN", learner.uln),
        ("MasterSubstituted", "Y" if master_substituted else ""),
        ("Title", learner.title),
        ("GivenName", learner.given_name),
        ("MiddleOtherName", learner.middle_other_name),
        ("FamilyName", learner.family_name),
        ("PreferredGivenName", learner.preferred_given_name),
        ("PreviousFamilyName", learner.previous_family_name),
        ("FamilyNameAtAge16", learner.family_name_at_16),
        ("SchoolAtAge16", learner.school_at_16),
        ("LastKnownAddressLine1", learner.last_known_address_line1),
        ("LastKnownAddressLine2", learner.last_known_address_line2),
        ("LastKnownAddressTown", learner.last_known_address_town),
        ("LastKnownAddressCountyOrCity", learner.last_known_address_county_or_city),
        ("LastKnownPostCode", learner.last_known_postcode),
        ("DateOfAddressCapture", _d(learner.date_of_address_capture)),
        ("DateOfBirth", _d(learner.date_of_birth)),
        ("PlaceOfBirth", learner.place_of_birth),
        ("Gender", learner.gender),
        ("EmailAddress", learner.email_address),
        ("Nationality", learner.nationality),
        ("ScottishCandidateNumber", learner.scottish_candidate_number),
        ("VerificationType", learner.verification_type),
        ("OtherVerificationDescription", learner.other_verification_description),
        ("TierLevel", TIER_LEVEL),
        ("AbilityToShare", learner.ability_to_share),
        ("LearnerStatus", learner.learner_status),
    ):
        sub(element, name, value)
    # lxml cannot write the real service's xmlns="" undeclaration on the children, so the
    # learner namespace gets a prefix: the same names and namespaces.
    linked = etree.SubElement(element, f"{{{LEARNER_NS}}}LinkedULNs", nsmap={"ns3": LEARNER_NS})
    for uln in list_linked_ulns(learner):
        # Unqualified inside the learner namespace's wrapper: xmlns="" as the real one writes.
        child = etree.SubElement(linked, "ULN")
        child.text = uln
    sub(element, "Notes", learner.notes, keep_empty=True)
    sub(element, "VersionNumber", str(learner.version_number))
    return element


def _find_response(
    code: str, echo: Sequence[tuple[str, str | None]], learners: list[etree._Element]
) -> etree._Element:
    response = etree.Element(f"{{{FIND_NS}}}FindLearnerResponse", nsmap={"ns2": FIND_NS})
    sub(response, "ResponseCode", code)
    for name, value in echo:
        sub(response, name, value)
    response.extend(learners)
    return response


# --- Operations ---------------------------------------------------------------------------


def learner_by_uln(request: etree._Element, actor: Actor) -> etree._Element:
    check_only = text_of(request, "FindType") == "CHK"
    uln = text_of(request, "ULN") or ""
    family_name = text_of(request, "FamilyName") or ""
    given_name = text_of(request, "GivenName") or ""
    echo = [("ULN", uln), ("FamilyName", family_name), ("GivenName", given_name)]
    try:
        found = find_learner_by_uln(
            uln=uln,
            given_name=given_name,
            family_name=family_name,
            actor=actor,
            remember=not check_only,
        )
    except LearnerNotFound:
        return _find_response(ResponseCode.NO_MATCH, echo, [])
    except ValidationFailed as exc:
        raise validation_fault(exc) from None
    code = ResponseCode.MASTER_SUBSTITUTED if found.master_substituted else ResponseCode.EXACT_MATCH
    learner = learner_element(found.learner, master_substituted=found.master_substituted)
    return _find_response(code, echo, [learner])


_DEMOGRAPHIC_ECHO = (
    "FamilyName",
    "GivenName",
    "DateOfBirth",
    "Gender",
    "LastKnownPostCode",
    "PreviousFamilyName",
    "SchoolAtAge16",
    "PlaceOfBirth",
    "EmailAddress",
)


def learner_by_demographics(request: etree._Element, actor: Actor) -> etree._Element:
    """FindType FUL finds the learner for the organisation (the learners shown become known to
    it, so their records open for it afterwards); CHK checks the details only: the same answer,
    audited, and nothing else written (no learner known, registered or queued for review)."""
    check_only = text_of(request, "FindType") == "CHK"
    sent = {name: text_of(request, name) for name in _DEMOGRAPHIC_ECHO}
    details = SearchDetails(
        given_name=sent["GivenName"] or "",
        family_name=sent["FamilyName"] or "",
        date_of_birth=_date("DateOfBirth", sent["DateOfBirth"]),
        gender=sent["Gender"] or "",
        last_known_postcode=sent["LastKnownPostCode"] or "",
        previous_family_name=sent["PreviousFamilyName"] or "",
        place_of_birth=sent["PlaceOfBirth"] or "",
        email_address=sent["EmailAddress"] or "",
    )
    try:
        outcome = search_learners(details=details, actor=actor, remember=not check_only)
    except ValidationFailed as exc:
        raise validation_fault(exc) from None
    learners = (
        []
        if outcome.kind is MatchKind.TOO_MANY
        else [learner_element(match.learner) for match in outcome.matches]
    )
    return _find_response(FOR_MATCH_KIND[outcome.kind], list(sent.items()), learners)


def _learner_fields(learner: etree._Element) -> dict[str, Any]:
    """The fields sent in a LearnerToRegister/LearnerToUpdate (absent elements left out)."""
    fields: dict[str, Any] = {}
    for name, field in REGISTER_FIELDS:
        value = text_of(learner, name)
        if value is None:
            continue
        fields[field] = _date(name, value) if name in _DATE_ELEMENTS else value
    return fields


def register_single_learner(request: etree._Element, actor: Actor) -> etree._Element:
    learner = request.find("Learner")
    assert learner is not None  # the schema requires it
    details = LearnerDetails.from_mapping(_learner_fields(learner))
    response = etree.Element(f"{{{REG_NS}}}RegisterLearnerResponse", nsmap={"ns2": REG_NS})
    try:
        result = register_learner(details=details, actor=actor)
    except IdenticalLearnerExists:
        sub(response, "ResponseCode", ResponseCode.IDENTICAL_LEARNER)
        return response
    except ValidationFailed as exc:
        raise validation_fault(exc) from None
    if result.status is RegistrationStatus.REGISTERED:
        assert result.learner is not None
        sub(response, "ResponseCode", ResponseCode.REGISTERED)
        sub(response, "ULN", result.learner.uln)
    elif result.status is RegistrationStatus.ALREADY_REGISTERED:
        assert result.learner is not None
        sub(response, "ResponseCode", ResponseCode.EXACT_MATCH)
        sub(response, "ULN", result.learner.uln)
    else:
        # Possible matches (or too many): a web-service caller can't confirm the learner is
        # none of them, so no ULN is issued; the portal's registration asks for that.
        sub(response, "ResponseCode", FOR_MATCH_KIND[result.search.kind])
    return response


def update_single_learner(request: etree._Element, actor: Actor) -> etree._Element:
    learner = request.find("Learner")
    assert learner is not None  # the schema requires it
    uln = text_of(learner, "ULN") or ""
    version = int(text_of(learner, "VersionNumber") or "0")
    response = etree.Element(f"{{{REG_NS}}}UpdateLearnerResponse", nsmap={"ns2": REG_NS})
    code: str
    try:
        result = update_learner(
            uln=uln, version_number=version, changes=_learner_fields(learner), actor=actor
        )
        code = ResponseCode.UPDATED if result.changed else ResponseCode.NO_CHANGES
    except StaleVersion:
        code = ResponseCode.STALE_VERSION
    except (UlnNotFoundForUpdate, LinkedUlnNotUpdatable):
        code = ResponseCode.NOT_FOUND_FOR_UPDATE
    except IdenticalLearnerExists:
        code = ResponseCode.IDENTICAL_LEARNER
    except ValidationFailed as exc:
        raise validation_fault(exc) from None
    sub(response, "ResponseCode", code)
    return response


# retrieveULNs' answer per ULN: found, or the real table's WSRC0023 "ULNs for report not found".
ULN_RETRIEVED = ResponseCode.EXACT_MATCH
ULN_NOT_RETRIEVED = ResponseCode.ULNS_NOT_FOUND


def retrieve_ulns_operation(request: etree._Element, actor: Actor) -> etree._Element:
    wrapper = request.find("ULNsToRetrieve")
    assert wrapper is not None  # the schema requires it
    ulns = [(child.text or "").strip() for child in wrapper.findall("ULN")]
    response = etree.Element(f"{{{REPORT_NS}}}RetrieveULNsResponse", nsmap={"ns2": REPORT_NS})
    retrieved = etree.SubElement(response, "RetrievedULNs")
    for item in retrieve_ulns(ulns=ulns, actor=actor):
        verified = etree.SubElement(retrieved, "VerifiedULN")
        sub(verified, "ULN", item.uln)
        if item.learner is None:
            sub(verified, "ResponseCode", ULN_NOT_RETRIEVED)
            continue
        sub(verified, "MasterULN", item.master_uln)
        code = ResponseCode.MASTER_SUBSTITUTED if item.master_uln else ULN_RETRIEVED
        sub(verified, "ResponseCode", code)
        sub(verified, "FamilyName", item.learner.family_name)
        sub(verified, "GivenName", item.learner.given_name)
        sub(verified, "DateOfBirth", _d(item.learner.date_of_birth))
        sub(verified, "Gender", item.learner.gender)
    return response


def verify_learner_operation(request: etree._Element, actor: Actor) -> etree._Element:
    to_verify = request.find("LearnerToVerify")
    assert to_verify is not None  # the schema requires it
    asked = VerifyRequest(
        uln=text_of(to_verify, "ULN") or "",
        given_name=text_of(to_verify, "GivenName") or "",
        family_name=text_of(to_verify, "FamilyName") or "",
        date_of_birth=_date("DateOfBirth", text_of(to_verify, "DateOfBirth")),
        gender=text_of(to_verify, "Gender") or "",
    )
    try:
        result = verify_learner(actor=actor, request=asked)
    except ValidationFailed as exc:
        raise validation_fault(exc) from None
    response = etree.Element(f"{{{REPORT_NS}}}VerifyLearnerResponse", nsmap={"ns2": REPORT_NS})
    verified = etree.SubElement(response, "VerifiedLearner")
    searched = result.searched
    sub(verified, "SearchedULN", searched.uln)
    sub(verified, "SearchedFamilyName", searched.family_name)
    sub(verified, "SearchedGivenName", searched.given_name)
    sub(verified, "SearchedDateOfBirth", _d(searched.date_of_birth))
    sub(verified, "SearchedGender", searched.gender)
    sub(verified, "ResponseCode", result.response_code)
    if result.verified:
        sub(verified, "ULN", result.uln)
        sub(verified, "FamilyName", searched.family_name)
        sub(verified, "GivenName", searched.given_name)
        sub(verified, "DateOfBirth", _d(searched.date_of_birth))
        sub(verified, "Gender", searched.gender)
    for flag in result.failure_flags:
        sub(verified, "FailureFlag", flag.value)
    return response


OPERATIONS: dict[str, Operation] = {
    f"{{{FIND_NS}}}FindLearnerByULN": learner_by_uln,
    f"{{{FIND_NS}}}FindLearnerByDemographics": learner_by_demographics,
    f"{{{REG_NS}}}RegisterLearner": register_single_learner,
    f"{{{REG_NS}}}UpdateLearner": update_single_learner,
    f"{{{REPORT_NS}}}RetrieveULNs": retrieve_ulns_operation,
    f"{{{REPORT_NS}}}VerifyLearner": verify_learner_operation,
    f"{{{BATCH_NS}}}SubmitBatch": submit_batch_registration,
    f"{{{BATCH_NS}}}GetSubmitBatchOutput": get_batch_registration_output,
    f"{{{VERIFY_NS}}}SubmitVerifyBatch": submit_verify_batch,
    f"{{{VERIFY_NS}}}GetVerifyBatchOutput": get_verify_batch_output,
}
