"""A learner reports a problem with their own ULN or learning events (issue 12 item 6): a data
challenge raised by the learner, on their record only, audited on the learner channel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lrs.challenges.choices import ChallengeKind, ChallengeStatus, RaiserKind
from lrs.challenges.errors import ChallengeNotFound
from lrs.challenges.selectors import list_challenges, list_learner_enquiries
from lrs.challenges.services.learner_reports import (
    LearnerReport,
    my_reports,
    report_problem,
    withdraw_my_report,
)
from lrs.challenges.services.raising import raise_challenge, withdraw_challenge
from lrs.core.actor import Actor
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.plr.models import LearningEvent, LearningEventChange
from tests.challenges.conftest import request_for
from tests.plr.fixtures import found

pytestmark = pytest.mark.django_db

EMAIL = "megan@example.org"


def _report(problem: str, **overrides: Any) -> LearnerReport:
    values: dict[str, Any] = {"problem": problem, "contact_email": EMAIL}
    values.update(overrides)
    return LearnerReport(**values)


def _event(source_record_id: str) -> LearningEvent:
    return LearningEvent.objects.get(source_record_id=source_record_id)


@pytest.fixture
def owain(
    register: Callable[..., Learner], events_of: Callable[[Learner, str], list[int]]
) -> Learner:
    learner = register(given_name="Owain", family_name="Pritchard", last_known_postcode="LL55 4UR")
    events_of(learner, "OW")
    return learner


class TestRaising:
    def test_an_event_problem_is_a_challenge_raised_by_the_learner(self, events: Learner) -> None:
        gcse = _event("G")
        challenge = report_problem(
            learner=events,
            report=_report("event_wrong", event_ids=[gcse.pk], proposed={"grade": "8"}),
        )
        assert challenge.reference == f"DC-{events.uln}-001"
        assert challenge.kind == ChallengeKind.EVENT_WRONG
        assert challenge.raiser_kind == RaiserKind.LEARNER
        assert challenge.raised_by_organisation is None
        assert challenge.raised_by is None
        assert challenge.raiser_name == "The learner"
        assert challenge.proposed == {"grade": "8"}
        assert challenge.contact_email == EMAIL
        assert challenge.contact_name == f"{events.given_name} {events.family_name}"
        gcse.refresh_from_db()
        assert gcse.under_challenge
        change = LearningEventChange.objects.get(event=gcse, reason="data_challenge")
        assert (change.username, change.channel, change.user_id) == ("learner", "learner", None)
        step = challenge.steps.get()
        assert (step.status, step.username, step.organisation_name) == ("open", "learner", "")
        audit = AuditEvent.objects.get(action="challenge.raised")
        assert (audit.channel, audit.username) == ("learner", "learner")
        assert audit.learner_id == events.pk
        assert audit.organisation_id is None
        assert audit.details["reference"] == challenge.reference

    @pytest.mark.parametrize(
        ("problem", "kind"),
        [
            ("uln_not_mine", ChallengeKind.DETAILS_CHANGED),
            ("details_wrong", ChallengeKind.OTHER_ULN),
        ],
    )
    def test_uln_problems_need_the_learners_words(
        self, events: Learner, problem: str, kind: str
    ) -> None:
        with pytest.raises(ValidationFailed) as refused:
            report_problem(learner=events, report=_report(problem))
        assert "comments" in refused.value.field_errors
        challenge = report_problem(
            learner=events, report=_report(problem, comments="My surname is Jones now.")
        )
        assert challenge.kind == kind

    def test_two_ulns_checks_the_other_ulns_form_but_never_the_register(
        self, events: Learner
    ) -> None:
        with pytest.raises(ValidationFailed) as refused:
            report_problem(learner=events, report=_report("two_ulns"))
        assert "other_uln" in refused.value.field_errors
        with pytest.raises(ValidationFailed):
            report_problem(learner=events, report=_report("two_ulns", other_uln="12345"))
        with pytest.raises(ValidationFailed):
            report_problem(learner=events, report=_report("two_ulns", other_uln=events.uln))
        # A well-formed ULN nobody has is accepted as is: the answer says nothing of the register.
        taken = set(Learner.objects.values_list("uln", flat=True))
        unused = next(uln for uln in ("1000000019", "1000000027") if uln not in taken)
        challenge = report_problem(learner=events, report=_report("two_ulns", other_uln=unused))
        assert (challenge.kind, challenge.other_uln, challenge.master_uln) == (
            ChallengeKind.DUPLICATE_ULN,
            unused,
            "",
        )

    def test_the_learner_may_report_their_sensitive_event(self, events: Learner) -> None:
        challenge = report_problem(
            learner=events, report=_report("event_not_mine", event_ids=[_event("U2").pk])
        )
        assert challenge.kind == ChallengeKind.EVENT_NOT_THIS_LEARNER

    def test_twice_needs_two_of_their_events(self, events: Learner) -> None:
        with pytest.raises(ValidationFailed):
            report_problem(
                learner=events, report=_report("event_twice", event_ids=[_event("G").pk])
            )
        challenge = report_problem(
            learner=events,
            report=_report("event_twice", event_ids=[_event("G").pk, _event("U1").pk]),
        )
        assert challenge.events.count() == 2

    def test_an_event_of_another_learner_is_refused(self, events: Learner, owain: Learner) -> None:
        theirs = LearningEvent.objects.filter(learner=owain).first()
        assert theirs is not None
        for problem in ("event_wrong", "event_not_mine"):
            with pytest.raises(ValidationFailed) as refused:
                report_problem(
                    learner=events,
                    report=_report(problem, event_ids=[theirs.pk], proposed={"grade": "A"}),
                )
            assert refused.value.field_errors["event_ids"] == [
                "Choose learning events from your own record."
            ]
        theirs.refresh_from_db()
        assert not theirs.under_challenge
        assert not AuditEvent.objects.filter(action="challenge.raised").exists()

    def test_wrong_kind_and_email_are_refused(self, events: Learner) -> None:
        with pytest.raises(ValidationFailed) as refused:
            report_problem(learner=events, report=_report("deceased"))
        assert "problem" in refused.value.field_errors
        with pytest.raises(ValidationFailed) as refused:
            report_problem(
                learner=events,
                report=_report("details_wrong", comments="x", contact_email="not an email"),
            )
        assert "contact_email" in refused.value.field_errors


class TestMyReportsAndWithdrawing:
    def test_the_learner_sees_only_their_own_reports(
        self, events: Learner, owain: Learner, raiser: Actor
    ) -> None:
        mine = report_problem(learner=events, report=_report("details_wrong", comments="Name."))
        report_problem(learner=owain, report=_report("details_wrong", comments="Name."))
        raise_challenge(
            request=request_for(ChallengeKind.OTHER_ULN, events.uln, comments="Org's own."),
            actor=raiser,
        )
        assert list(my_reports(events)) == [mine]

    def test_withdrawing_an_open_report_clears_the_event_mark(self, events: Learner) -> None:
        gcse = _event("G")
        challenge = report_problem(
            learner=events, report=_report("event_not_mine", event_ids=[gcse.pk])
        )
        withdrawn = withdraw_my_report(learner=events, reference=challenge.reference.lower())
        assert withdrawn.status == ChallengeStatus.WITHDRAWN
        gcse.refresh_from_db()
        assert not gcse.under_challenge
        audit = AuditEvent.objects.get(action="challenge.status_changed")
        assert (audit.channel, audit.details["status"]) == ("learner", "withdrawn")

    def test_a_closed_report_cannot_be_withdrawn(self, events: Learner) -> None:
        from lrs.challenges.errors import ChallengeClosed

        challenge = report_problem(learner=events, report=_report("details_wrong", comments="x"))
        withdraw_my_report(learner=events, reference=challenge.reference)
        with pytest.raises(ChallengeClosed):
            withdraw_my_report(learner=events, reference=challenge.reference)

    def test_nobody_else_withdraws_it_and_the_learner_withdraws_nobody_elses(
        self, events: Learner, owain: Learner, raiser: Actor
    ) -> None:
        mine = report_problem(learner=events, report=_report("details_wrong", comments="x"))
        with pytest.raises(ChallengeNotFound):
            withdraw_my_report(learner=owain, reference=mine.reference)
        with pytest.raises(PermissionDenied):
            withdraw_challenge(reference=mine.reference, actor=raiser)
        organisations = raise_challenge(
            request=request_for(ChallengeKind.OTHER_ULN, events.uln, comments="Org's own."),
            actor=raiser,
        )
        with pytest.raises(ChallengeNotFound):
            withdraw_my_report(learner=events, reference=organisations.reference)


class TestServiceDesk:
    def test_the_queue_and_enquiries_show_learner_raised_challenges(
        self, events: Learner, desk: Actor, raiser: Actor
    ) -> None:
        mine = report_problem(learner=events, report=_report("details_wrong", comments="x"))
        assert mine in list(list_challenges(actor=desk))
        found(events, raiser)
        _learner, enquiries = list_learner_enquiries(uln=events.uln, actor=raiser)
        assert mine in list(enquiries)
