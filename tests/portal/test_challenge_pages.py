"""Data challenge pages (user guide 6): report, enquiries, withdraw, the service desk's queue
and resolutions, ULN changes and the duplicate worklist; each role- and organisation-checked."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lrs.challenges.duplicates import find_duplicates
from lrs.challenges.models import Challenge, SuspectedDuplicate
from lrs.core.actor import Channel
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import service_desk_system_actor

pytestmark = pytest.mark.django_db

CONTACT = {
    "contact_name": "Siân Evans",
    "contact_email": "sian@riverside.example",
    "contact_telephone": "029 2000 0000",
}


@pytest.fixture
def college_browser(signed_in, registrar) -> Client:
    return signed_in(registrar.user)


@pytest.fixture
def desk_browser(signed_in, make_user) -> Client:
    desk = acting_organisation(service_desk_system_actor(channel=Channel.CLI))
    return signed_in(make_user(desk, ["operator"]))


@pytest.fixture
def duplicate(register) -> Learner:
    return register(given_name="Megn", last_known_postcode="SA1 1AA", middle_other_name="")


def raise_duplicate(browser: Client, megan: Learner, duplicate: Learner):
    return browser.post(
        reverse("portal:challenge-raise", args=[megan.uln]),
        {
            "kind": "duplicate_uln",
            "other_uln": duplicate.uln,
            "master_uln": megan.uln,
            "reason": "She moved house.",
            **CONTACT,
        },
    )


def test_raise_a_duplicate_and_see_the_reference_with_the_warning(
    college_browser, megan, duplicate
):
    page = college_browser.get(reverse("portal:learner-detail", args=[megan.uln]))
    assert reverse("portal:challenge-raise", args=[megan.uln]) in page.content.decode()
    response = raise_duplicate(college_browser, megan, duplicate)
    body = response.content.decode()
    assert f"DC-{megan.uln}-001" in body
    assert "Do not send any other details" in body
    enquiries = college_browser.get(reverse("portal:learner-enquiries", args=[megan.uln]))
    assert f"DC-{megan.uln}-001" in enquiries.content.decode()


def test_errors_are_shown_on_the_form(college_browser, megan):
    response = college_browser.post(
        reverse("portal:challenge-raise", args=[megan.uln]), {"kind": "other_uln"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert not Challenge.objects.exists()


def test_the_raiser_withdraws(college_browser, megan, duplicate):
    raise_duplicate(college_browser, megan, duplicate)
    response = college_browser.post(
        reverse("portal:challenge-withdraw", args=[f"DC-{megan.uln}-001"]), follow=True
    )
    assert "withdrawn" in response.content.decode()
    assert Challenge.objects.get().status == "withdrawn"


def test_an_organisation_that_does_not_know_the_learner_is_refused(
    signed_in, school, make_user, megan
):
    browser = signed_in(make_user(school, ["online"]))
    assert browser.get(reverse("portal:challenge-raise", args=[megan.uln])).status_code == 404
    assert browser.get(reverse("portal:learner-enquiries", args=[megan.uln])).status_code == 404


@pytest.mark.parametrize("name", ["portal:challenge-queue", "portal:duplicate-list"])
def test_service_desk_pages_refuse_other_roles(college_browser, name):
    assert college_browser.get(reverse(name)).status_code == 403


def test_a_batch_user_may_not_report(signed_in, college: Organisation, make_user, megan):
    browser = signed_in(make_user(college, ["batch"]))
    assert browser.get(reverse("portal:challenge-raise", args=[megan.uln])).status_code == 403
    assert browser.get(reverse("portal:uln-changes")).status_code == 403


def test_the_service_desk_merges_and_the_raiser_sees_it_resolved(
    college_browser, desk_browser, megan, duplicate
):
    raise_duplicate(college_browser, megan, duplicate)
    reference = f"DC-{megan.uln}-001"
    queue = desk_browser.get(reverse("portal:challenge-queue")).content.decode()
    assert reference in queue
    response = desk_browser.post(
        reverse("portal:challenge-detail", args=[reference]),
        {"action": "merge", "comment": "Same learner."},
        follow=True,
    )
    assert response.status_code == 200
    assert Learner.objects.get(pk=duplicate.pk).master_id == megan.pk
    enquiries = college_browser.get(reverse("portal:learner-enquiries", args=[megan.uln]))
    assert "Resolved" in enquiries.content.decode()
    changes = college_browser.get(reverse("portal:uln-changes")).content.decode()
    assert duplicate.uln in changes


def test_a_resolution_that_does_not_fit_is_refused(college_browser, desk_browser, megan, duplicate):
    raise_duplicate(college_browser, megan, duplicate)
    response = desk_browser.post(
        reverse("portal:challenge-detail", args=[f"DC-{megan.uln}-001"]), {"action": "correct"}
    )
    assert "This resolution does not fit this challenge." in response.content.decode()
    assert Challenge.objects.get().status == "open"


def test_the_status_is_changed_with_a_comment(college_browser, desk_browser, megan, duplicate):
    raise_duplicate(college_browser, megan, duplicate)
    desk_browser.post(
        reverse("portal:challenge-detail", args=[f"DC-{megan.uln}-001"]),
        {"status": "in_progress", "comment": "Looking."},
    )
    assert Challenge.objects.get().status == "in_progress"


def test_the_duplicate_worklist_merges_and_remembers_not_a_duplicate(
    desk_browser, megan, duplicate, register, system_actor
):
    find_duplicates(actor=system_actor)
    page = desk_browser.get(reverse("portal:duplicate-list")).content.decode()
    assert megan.uln in page
    assert duplicate.uln in page
    suspect = SuspectedDuplicate.objects.get()
    desk_browser.post(
        reverse("portal:duplicate-list"), {"suspect": suspect.pk, "decision": "not_duplicate"}
    )
    assert SuspectedDuplicate.objects.get().status == "not_duplicate"
    assert megan.uln not in desk_browser.get(reverse("portal:duplicate-list")).content.decode()


def test_the_worklist_merge_keeps_the_older_uln(desk_browser, megan, duplicate, system_actor):
    find_duplicates(actor=system_actor)
    suspect = SuspectedDuplicate.objects.get()
    desk_browser.post(
        reverse("portal:duplicate-list"), {"suspect": suspect.pk, "decision": "merge"}
    )
    assert Learner.objects.get(pk=duplicate.pk).master_id == megan.pk


def test_the_worklist_shows_the_finder_progress_and_queues_a_run(
    desk_browser, megan, duplicate, system_actor
):
    from lrs.challenges.models import DuplicateRun

    page = desk_browser.get(reverse("portal:duplicate-list")).content.decode()
    assert "The duplicate finder has not run yet." in page
    find_duplicates(actor=system_actor)
    page = desk_browser.get(reverse("portal:duplicate-list")).content.decode()
    assert "2 of 2 learners compared (100%)" in page
    assert "Finished" in page
    response = desk_browser.post(reverse("portal:duplicate-list"), {"find": "changed"})
    assert response.status_code == 302
    run = DuplicateRun.objects.latest("pk")
    assert (run.state, run.full) == ("queued", False)
    page = desk_browser.get(reverse("portal:duplicate-list")).content.decode()
    assert "Waiting for the worker since" in page
    desk_browser.post(reverse("portal:duplicate-list"), {"find": "full"})
    assert DuplicateRun.objects.count() == 2, "one run at a time"


def test_only_the_service_desk_queues_the_finder(college_browser):
    from lrs.challenges.models import DuplicateRun

    response = college_browser.post(reverse("portal:duplicate-list"), {"find": "full"})
    assert response.status_code == 403
    assert not DuplicateRun.objects.exists()
