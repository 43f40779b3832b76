"""The service desk's split of a shared ULN (details, qualifications, confirmation, the new
ULN) and the worklist's "raise a duplicate challenge"; each role-checked."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lrs.challenges.choices import SuspectStatus
from lrs.challenges.duplicates import find_duplicates
from lrs.challenges.models import Challenge, SuspectedDuplicate, UlnChange
from lrs.challenges.services.raising import raise_challenge
from lrs.challenges.services.resolutions import merge_ulns
from lrs.core.actor import Channel
from lrs.learners.models import Learner
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import service_desk_system_actor
from lrs.plr.models import LearningEvent
from tests.challenges.conftest import add_events, request_for
from tests.portal.test_learner_pages import register_post

pytestmark = pytest.mark.django_db

BETHAN = {
    "given_name": "Bethan",
    "family_name": "Pritchard",
    "date_of_birth": datetime.date(2008, 1, 2),
}


@pytest.fixture
def desk_browser(signed_in, make_user) -> Client:
    desk = acting_organisation(service_desk_system_actor(channel=Channel.CLI))
    return signed_in(make_user(desk, ["operator"]))


@pytest.fixture
def events(ao_actor, catalogue, megan) -> list[int]:
    return add_events(ao_actor, megan, "E")


@pytest.fixture
def duplicate(register) -> Learner:
    return register(given_name="Megn", last_known_postcode="SA1 1AA", middle_other_name="")


def split_post(event_ids: list[int], **overrides: Any) -> dict[str, Any]:
    return {**register_post(**{**BETHAN, **overrides}), "event_ids": event_ids}


class TestSplit:
    def test_details_confirmation_and_the_new_uln(self, desk_browser, registrar, megan, events):
        challenge = raise_challenge(
            request=request_for("shared_uln", megan.uln, comments="Two people use it."),
            actor=registrar,
        )
        detail = desk_browser.get(reverse("portal:challenge-detail", args=[challenge.reference]))
        split_url = reverse("portal:uln-split", args=[megan.uln])
        assert f"{split_url}?challenge={challenge.reference}" in detail.content.decode()
        form = desk_browser.get(f"{split_url}?challenge={challenge.reference}").content.decode()
        assert "Split a shared ULN" in form
        assert f'value="{challenge.reference}"' in form
        assert f'value="{events[1]}"' in form  # the record's qualifications to choose from
        response = desk_browser.post(
            split_url,
            {**split_post(events[1:]), "challenge_reference": challenge.reference},
        )
        confirm_url = reverse("portal:uln-split-confirm", args=[megan.uln])
        assert response.status_code == 302
        assert response["Location"] == confirm_url
        check = desk_browser.get(confirm_url).content.decode()
        assert "Check the split before you confirm it" in check
        assert "Bethan Owain Pritchard" in check
        assert Learner.objects.count() == 1  # nothing yet
        done = desk_browser.post(confirm_url, {"confirm": "yes"})
        body = done.content.decode()
        second = Learner.objects.get(given_name="Bethan")
        assert "ULN split" in body
        assert second.uln in body
        assert LearningEvent.objects.get(pk=events[1]).learner_id == second.pk
        assert LearningEvent.objects.get(pk=events[0]).learner_id == megan.pk
        assert Challenge.objects.get().status == "resolved"
        assert UlnChange.objects.get().kind == "split"
        # The confirmation is used once: posting it again splits nothing more.
        again = desk_browser.post(confirm_url, {"confirm": "yes"})
        assert again.status_code == 302
        assert Learner.objects.count() == 2

    def test_change_keeps_what_was_entered(self, desk_browser, megan, events):
        split_url = reverse("portal:uln-split", args=[megan.uln])
        desk_browser.post(split_url, split_post(events[:1]))
        form = desk_browser.get(f"{split_url}?change=1").content.decode()
        assert 'value="Bethan"' in form
        assert re.search(rf'value="{events[0]}"[^>]*checked', form)
        assert not re.search(rf'value="{events[1]}"[^>]*checked', form)

    def test_errors_are_shown_and_nothing_is_kept(self, desk_browser, megan, events):
        split_url = reverse("portal:uln-split", args=[megan.uln])
        response = desk_browser.post(split_url, split_post([], given_name=""))
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()
        assert "Enter the learner&#x27;s given name" in response.content.decode()
        confirm = desk_browser.get(reverse("portal:uln-split-confirm", args=[megan.uln]))
        assert confirm.status_code == 302

    def test_a_refusal_at_confirmation_is_shown_and_changes_nothing(
        self, desk_browser, megan, events
    ):
        split_url = reverse("portal:uln-split", args=[megan.uln])
        # The same key details as Megan: the register refuses a second identical learner.
        desk_browser.post(
            split_url,
            split_post(
                events[:1],
                given_name=megan.given_name,
                date_of_birth=megan.date_of_birth,
                gender=megan.gender,
                last_known_postcode=megan.last_known_postcode,
            ),
        )
        response = desk_browser.post(
            reverse("portal:uln-split-confirm", args=[megan.uln]), {"confirm": "yes"}
        )
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()
        assert Learner.objects.count() == 1
        assert LearningEvent.objects.get(pk=events[0]).learner_id == megan.pk
        assert not UlnChange.objects.exists()

    def test_a_linked_uln_goes_to_its_master(self, desk_browser, operator, megan, duplicate):
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=operator)
        response = desk_browser.get(reverse("portal:uln-split", args=[duplicate.uln]))
        assert response["Location"] == reverse("portal:uln-split", args=[megan.uln])

    def test_an_unknown_uln_is_404(self, desk_browser):
        assert desk_browser.get(reverse("portal:uln-split", args=["9999999999"])).status_code == 404

    @pytest.mark.parametrize("roles", [["online"], ["super"], ["view", "plr"]])
    def test_other_roles_are_refused(self, signed_in, make_user, college, megan, events, roles):
        browser = signed_in(make_user(college, roles))
        split_url = reverse("portal:uln-split", args=[megan.uln])
        assert browser.get(split_url).status_code == 403
        assert browser.post(split_url, split_post(events)).status_code == 403
        confirm_url = reverse("portal:uln-split-confirm", args=[megan.uln])
        assert browser.post(confirm_url, {"confirm": "yes"}).status_code == 403
        assert Learner.objects.count() == 1


class TestWorklistChallenge:
    @pytest.fixture
    def suspect(self, operator, megan, duplicate) -> SuspectedDuplicate:
        find_duplicates(actor=operator)
        return SuspectedDuplicate.objects.get()

    def test_the_worklist_raises_a_duplicate_challenge(
        self, desk_browser, megan, duplicate, suspect
    ):
        page = desk_browser.get(reverse("portal:duplicate-list")).content.decode()
        assert "Raise a duplicate ULN challenge" in page
        response = desk_browser.post(
            reverse("portal:duplicate-list"),
            {
                "suspect": suspect.pk,
                "decision": "challenge",
                "master_uln": megan.uln,
                "reason": "A typo.",
            },
            follow=True,
        )
        challenge = Challenge.objects.get()
        assert (challenge.kind, challenge.master_uln, challenge.other_uln) == (
            "duplicate_uln",
            megan.uln,
            duplicate.uln,
        )
        body = response.content.decode()
        assert f"Challenge {challenge.reference} raised." in body
        assert "Raised by the service desk from the suspected duplicates worklist" in body
        assert SuspectedDuplicate.objects.get().status == SuspectStatus.CHALLENGED
        assert megan.uln not in desk_browser.get(reverse("portal:duplicate-list")).content.decode()

    def test_a_master_outside_the_pair_is_refused(self, desk_browser, suspect, register):
        other = register(given_name="Carys", family_name="Jones")
        response = desk_browser.post(
            reverse("portal:duplicate-list"),
            {"suspect": suspect.pk, "decision": "challenge", "master_uln": other.uln},
            follow=True,
        )
        assert "Choose which of the two ULNs is the master." in response.content.decode()
        assert not Challenge.objects.exists()
        assert SuspectedDuplicate.objects.get().status == SuspectStatus.OPEN

    def test_other_roles_are_refused(self, signed_in, registrar, megan, suspect):
        browser = signed_in(registrar.user)
        response = browser.post(
            reverse("portal:duplicate-list"),
            {"suspect": suspect.pk, "decision": "challenge", "master_uln": megan.uln},
        )
        assert response.status_code == 403
        assert not Challenge.objects.exists()
