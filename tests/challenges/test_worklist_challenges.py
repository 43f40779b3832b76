"""A duplicate challenge raised by the service desk from the duplicate finder's worklist: a
real "incorrectly created" challenge (both ULNs, which is master) that follows the usual
lifecycle and stays linked to its pair (issue 14 item 5)."""

from __future__ import annotations

import pytest

from lrs.challenges.choices import SuspectStatus
from lrs.challenges.duplicates import decide_suspect, find_duplicates
from lrs.challenges.errors import ResolutionRefused
from lrs.challenges.models import Challenge, SuspectedDuplicate
from lrs.challenges.selectors import list_learner_enquiries, list_suspected_duplicates
from lrs.challenges.services.raising import raise_worklist_challenge, set_challenge_status
from lrs.challenges.services.resolutions import merge_ulns
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspect(desk, megan, duplicate) -> SuspectedDuplicate:
    find_duplicates(actor=desk)
    return SuspectedDuplicate.objects.get()


def test_raises_a_duplicate_challenge_linked_to_the_pair(desk, raiser, megan, duplicate, suspect):
    challenge = raise_worklist_challenge(
        suspect_id=suspect.pk, master_uln=megan.uln, actor=desk, reason="Typo in her name."
    )
    assert challenge.reference == f"DC-{megan.uln}-001"
    assert (challenge.kind, challenge.uln, challenge.other_uln, challenge.master_uln) == (
        "duplicate_uln",
        megan.uln,
        duplicate.uln,
        megan.uln,
    )
    assert challenge.status == "open"
    assert challenge.suspected_duplicate_id == suspect.pk
    assert challenge.raised_by_organisation_id == desk.organisation.pk
    assert [step.status for step in challenge.steps.all()] == ["open"]
    suspect.refresh_from_db()
    assert (suspect.status, suspect.decided_by) == (SuspectStatus.CHALLENGED, desk.user.username)
    assert list(list_suspected_duplicates(actor=desk)) == []
    audit = AuditEvent.objects.get(action="challenge.raised")
    assert audit.details["suspect"] == suspect.pk
    # The college that knows Megan sees the challenge in View enquiries.
    _learner, seen = list_learner_enquiries(uln=megan.uln, actor=raiser)
    assert [c.reference for c in seen] == [challenge.reference]


def test_the_later_uln_may_be_the_master(desk, megan, duplicate, suspect):
    challenge = raise_worklist_challenge(
        suspect_id=suspect.pk, master_uln=duplicate.uln, actor=desk
    )
    assert (challenge.uln, challenge.other_uln, challenge.master_uln) == (
        duplicate.uln,
        megan.uln,
        duplicate.uln,
    )


def test_merging_it_resolves_the_challenge_and_the_pair(desk, megan, duplicate, suspect):
    challenge = raise_worklist_challenge(suspect_id=suspect.pk, master_uln=megan.uln, actor=desk)
    set_challenge_status(reference=challenge.reference, status="in_progress", actor=desk)
    merge_ulns(
        master_uln=megan.uln,
        duplicate_uln=duplicate.uln,
        actor=desk,
        challenge_reference=challenge.reference,
    )
    challenge.refresh_from_db()
    suspect.refresh_from_db()
    assert challenge.status == "resolved"
    assert suspect.status == SuspectStatus.MERGED
    assert Learner.objects.get(pk=duplicate.pk).master_id == megan.pk


def test_rejecting_it_marks_the_pair_not_a_duplicate_for_later_runs(
    desk, megan, duplicate, suspect
):
    challenge = raise_worklist_challenge(suspect_id=suspect.pk, master_uln=megan.uln, actor=desk)
    set_challenge_status(
        reference=challenge.reference, status="rejected", actor=desk, comment="Twins."
    )
    suspect.refresh_from_db()
    assert suspect.status == SuspectStatus.NOT_DUPLICATE
    find_duplicates(actor=desk, full=True)
    assert list(list_suspected_duplicates(actor=desk)) == []


def test_a_master_outside_the_pair_is_refused_and_nothing_changes(desk, megan, suspect, register):
    other = register(given_name="Carys", family_name="Jones")
    with pytest.raises(ValidationFailed) as refused:
        raise_worklist_challenge(suspect_id=suspect.pk, master_uln=other.uln, actor=desk)
    assert "master_uln" in refused.value.field_errors
    assert not Challenge.objects.exists()
    assert SuspectedDuplicate.objects.get().status == SuspectStatus.OPEN


def test_a_pair_already_decided_is_refused(desk, megan, suspect):
    decide_suspect(suspect_id=suspect.pk, status=SuspectStatus.NOT_DUPLICATE, actor=desk)
    with pytest.raises(ResolutionRefused):
        raise_worklist_challenge(suspect_id=suspect.pk, master_uln=megan.uln, actor=desk)
    assert not Challenge.objects.exists()


def test_a_pair_merged_meanwhile_is_refused(desk, megan, duplicate, suspect):
    merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
    with pytest.raises(ResolutionRefused):
        raise_worklist_challenge(suspect_id=suspect.pk, master_uln=megan.uln, actor=desk)
    assert not Challenge.objects.exists()


def test_only_the_service_desk_raises_from_the_worklist(raiser, megan, suspect):
    with pytest.raises(PermissionDenied):
        raise_worklist_challenge(suspect_id=suspect.pk, master_uln=megan.uln, actor=raiser)
    assert not Challenge.objects.exists()
    assert SuspectedDuplicate.objects.get().status == SuspectStatus.OPEN
