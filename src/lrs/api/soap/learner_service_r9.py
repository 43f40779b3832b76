"""LearnerServiceR9.svc operations (the PLR): each reads its request, calls the PLR services
the portal and the JSON API call, and writes the real service's response."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from lxml import etree

from lrs.api.schemas.plr import LearningEventOut
from lrs.api.soap.envelope import R9_MODEL_NS, R9_NS, XSI_NS, fault
from lrs.core.actor import Actor
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


OPERATIONS: dict[str, Operation] = {
    _t("GetLearnerLearningEvents"): get_learner_learning_events_operation,
}
