"""The learner portal's "Report a problem" pages: the form, the confirmation with the
reference, My reports and withdrawing; only the learner's own record and events."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lrs.challenges.choices import ChallengeKind, ChallengeStatus, RaiserKind
from lrs.challenges.models import Challenge
from lrs.challenges.services.learner_reports import LearnerReport, report_problem
from lrs.core.actor import Actor, Channel
from lrs.learner_accounts.models import LearnerAccount
from lrs.learners.models import Learner
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import service_desk_system_actor
from lrs.plr.models import LearningEvent
from tests.challenges.conftest import add_events
from tests.learner_accounts.fixtures import EMAIL, PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def learner_browser(client: Client, account: LearnerAccount) -> Client:
    response = client.post("/learner/sign-in/", {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def desk_client(signed_in, make_user) -> Client:
    desk = acting_organisation(service_desk_system_actor(channel=Channel.CLI))
    return signed_in(make_user(desk, ["operator"]))


@pytest.fixture
def other_event(register, ao_actor: Actor, catalogue: None) -> tuple[Learner, int]:
    other = register(given_name="Owain", family_name="Pritchard", last_known_postcode="LL55 4UR")
    return other, add_events(ao_actor, other, "OW")[0]


def _gcse() -> LearningEvent:
    return LearningEvent.objects.get(source_record_id="G")


def test_the_record_and_event_pages_link_to_report_a_problem(learner_browser: Client) -> None:
    assert "/learner/report-a-problem/" in learner_browser.get("/learner/record/").content.decode()
    gcse = _gcse()
    page = learner_browser.get(f"/learner/record/events/{gcse.pk}/").content.decode()
    assert f"/learner/report-a-problem/?event={gcse.pk}" in page


def test_the_form_prefills_the_email_and_the_event(learner_browser: Client) -> None:
    gcse = _gcse()
    page = learner_browser.get(f"/learner/report-a-problem/?event={gcse.pk}").content.decode()
    assert f'value="{EMAIL}"' in page
    assert re.search(rf'value="{gcse.pk}"[^>]*checked', page)
    assert re.search(r'value="event_wrong"[^>]*checked', page)


def test_reporting_a_wrong_event_shows_the_reference_and_the_warning(
    learner_browser: Client, events: Learner
) -> None:
    gcse = _gcse()
    response = learner_browser.post(
        "/learner/report-a-problem/",
        {
            "problem": "event_wrong",
            "events": [str(gcse.pk)],
            "proposed_grade": "8",
            "contact_email": "megan.new@example.org",
            "comments": "My certificate says 8.",
        },
    )
    page = response.content.decode()
    challenge = Challenge.objects.get()
    assert challenge.reference == f"DC-{events.uln}-001"
    assert challenge.reference in page
    assert "Your reference contains your ULN" in page
    assert challenge.kind == ChallengeKind.EVENT_WRONG
    assert challenge.raiser_kind == RaiserKind.LEARNER
    assert challenge.contact_email == "megan.new@example.org"
    reports = learner_browser.get("/learner/my-reports/").content.decode()
    assert challenge.reference in reports
    assert "Some information about a learning event is wrong" in reports
    assert "Withdraw" in reports


def test_an_event_id_of_another_learner_is_refused(
    learner_browser: Client, other_event: tuple[Learner, int]
) -> None:
    _other, theirs = other_event
    response = learner_browser.post(
        "/learner/report-a-problem/",
        {"problem": "event_not_mine", "events": [str(theirs)], "contact_email": EMAIL},
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not Challenge.objects.exists()
    assert learner_browser.get(f"/learner/report-a-problem/?event={theirs}").status_code == 200


def test_missing_answers_are_shown_on_the_form(learner_browser: Client) -> None:
    response = learner_browser.post("/learner/report-a-problem/", {"contact_email": EMAIL})
    assert "Select what the problem is" in response.content.decode()
    response = learner_browser.post(
        "/learner/report-a-problem/", {"problem": "details_wrong", "contact_email": EMAIL}
    )
    assert "Tell us what is wrong." in response.content.decode()
    response = learner_browser.post(
        "/learner/report-a-problem/", {"problem": "event_twice", "contact_email": EMAIL}
    )
    assert "Choose the two learning events that are the same." in response.content.decode()
    assert not Challenge.objects.exists()


def test_withdrawing_from_my_reports(learner_browser: Client) -> None:
    learner_browser.post(
        "/learner/report-a-problem/",
        {"problem": "details_wrong", "comments": "My name is spelt wrong.", "contact_email": EMAIL},
    )
    challenge = Challenge.objects.get()
    response = learner_browser.post(f"/learner/my-reports/{challenge.reference}/withdraw/")
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.WITHDRAWN
    page = learner_browser.get("/learner/my-reports/").content.decode()
    assert "Withdrawn" in page
    assert "Withdraw<span" not in page


def test_another_learners_report_cannot_be_withdrawn(
    learner_browser: Client, other_event: tuple[Learner, int]
) -> None:
    other, _event = other_event
    theirs = report_problem(
        learner=other,
        report=LearnerReport(problem="details_wrong", contact_email=EMAIL, comments="x"),
    )
    response = learner_browser.post(f"/learner/my-reports/{theirs.reference}/withdraw/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ChallengeStatus.OPEN
    assert theirs.reference not in learner_browser.get("/learner/my-reports/").content.decode()


def test_the_pages_need_a_signed_in_learner(client: Client, account: LearnerAccount) -> None:
    for url in ("/learner/report-a-problem/", "/learner/my-reports/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/learner/sign-in/" in response["Location"]


def test_the_pages_in_welsh(learner_browser: Client) -> None:
    learner_browser.cookies["lrs_language"] = "cy"
    page = learner_browser.get("/learner/report-a-problem/").content.decode()
    assert "Rhoi gwybod am broblem gyda fy nghofnod" in page
    assert "Nid fy ULN i yw hwn" in page


def test_the_service_desk_queue_shows_the_learners_report(
    learner_browser: Client, events: Learner, desk_client: Client
) -> None:
    learner_browser.post(
        "/learner/report-a-problem/",
        {"problem": "details_wrong", "comments": "My name is spelt wrong.", "contact_email": EMAIL},
    )
    challenge = Challenge.objects.get()
    page = desk_client.get("/service-desk/challenges/").content.decode()
    assert challenge.reference in page
    assert "The learner" in page
