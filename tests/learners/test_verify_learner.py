"""Verify learner: each response code, the failure flags, linked ULNs, audit and the limit."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.identifiers import generate_uln
from lrs.learners.errors import VerificationsRateLimited
from lrs.learners.models import Learner
from lrs.learners.response_codes import FailureFlag, VerifyResponseCode
from lrs.learners.verify import (
    FieldVerdict,
    VerifyRequest,
    VerifyResult,
    verifications_of,
    verify_learner,
    verify_learners,
)
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import create_organisation

# A second record of Megan's, different enough to be registered (then linked in the test).
ANOTHER_RECORD = {
    "family_name": "Prichard",
    "date_of_birth": datetime.date(2009, 5, 12),
    "last_known_postcode": "SA1 1NW",
    "middle_other_name": "",
}

pytestmark = pytest.mark.django_db

F = FailureFlag
C = VerifyResponseCode


@pytest.fixture
def vld_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["vld"]), channel=Channel.PORTAL)


@pytest.fixture
def rhian(register: Callable[..., Learner]) -> Learner:
    """A learner with a preferred given name and a previous family name."""
    return register(
        given_name="Rhiannon",
        family_name="Morgan",
        preferred_given_name="Rhi",
        previous_family_name="Hughes",
        date_of_birth=datetime.date(2008, 9, 3),
        gender="2",
        last_known_postcode="SA1 1NW",
    )


def request_for(learner: Learner, **overrides: Any) -> VerifyRequest:
    values: dict[str, Any] = {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth,
        "gender": learner.gender,
    }
    values.update(overrides)
    return VerifyRequest(**values)


def verify(actor: Actor, learner: Learner, **overrides: Any) -> VerifyResult:
    return verify_learner(actor=actor, request=request_for(learner, **overrides))


def unknown_uln(*taken: str) -> str:
    while (uln := generate_uln()) in taken:
        pass
    return uln


class TestResponseCodes:
    def test_every_detail_matching_is_a_successful_match(self, vld_actor, megan):
        result = verify(vld_actor, megan)

        assert result.response_code == C.SUCCESSFUL_MATCH == "WSVRC001"
        assert result.verified
        assert result.uln == megan.uln
        assert result.failure_flags == ()
        assert result.fields == {
            "given_name": FieldVerdict.MATCHES,
            "family_name": FieldVerdict.MATCHES,
            "date_of_birth": FieldVerdict.MATCHES,
            "gender": FieldVerdict.MATCHES,
            "postcode": FieldVerdict.NOT_COMPARED,
        }

    def test_case_accents_and_spacing_do_not_count(self, vld_actor, register):
        sian = register(given_name="Siân", family_name="O'Brien")

        result = verify(vld_actor, sian, given_name="  SIAN ", family_name="obrien")

        assert result.response_code == C.SUCCESSFUL_MATCH

    def test_the_preferred_given_name_is_a_similar_match(self, vld_actor, rhian):
        result = verify(vld_actor, rhian, given_name="Rhi")

        assert result.response_code == C.SIMILAR_MATCH == "WSVRC003"
        assert result.verified
        assert result.uln == rhian.uln
        assert result.fields["given_name"] == FieldVerdict.SIMILAR
        assert result.failure_flags == (
            F.GIVEN_DOESNT_MATCH_GIVEN,
            F.GIVEN_DOESNT_MATCH_FAMILY,
            F.GIVEN_DOESNT_MATCH_PREVIOUS_FAMILY,
        )

    def test_a_known_nickname_is_a_similar_match(self, vld_actor, megan):
        result = verify(vld_actor, megan, given_name="Meg")

        assert result.response_code == C.SIMILAR_MATCH
        assert result.failure_flags[0] == F.GIVEN_DOESNT_MATCH_GIVEN

    def test_the_previous_family_name_is_a_similar_match(self, vld_actor, rhian):
        result = verify(vld_actor, rhian, family_name="Hughes")

        assert result.response_code == C.SIMILAR_MATCH
        assert result.fields["family_name"] == FieldVerdict.SIMILAR
        # It is not the family name, but it is the previous family name: no VRF6.
        assert result.failure_flags == (F.FAMILY_DOESNT_MATCH_GIVEN, F.FAMILY_DOESNT_MATCH_FAMILY)

    def test_a_different_given_name_does_not_match(self, vld_actor, megan):
        result = verify(vld_actor, megan, given_name="Ffion")

        assert result.response_code == C.LEARNER_DOES_NOT_MATCH == "WSVRC005"
        assert not result.verified
        assert result.uln == ""
        assert result.differing_fields == ["given_name"]
        assert result.failure_flags == (
            F.GIVEN_DOESNT_MATCH_GIVEN,
            F.GIVEN_DOESNT_MATCH_FAMILY,
            F.GIVEN_DOESNT_MATCH_PREVIOUS_FAMILY,
        )

    def test_a_different_family_name_does_not_match(self, vld_actor, rhian):
        result = verify(vld_actor, rhian, family_name="Jenkins")

        assert result.response_code == C.LEARNER_DOES_NOT_MATCH
        assert result.differing_fields == ["family_name"]
        assert result.failure_flags == (
            F.FAMILY_DOESNT_MATCH_GIVEN,
            F.FAMILY_DOESNT_MATCH_FAMILY,
            F.FAMILY_DOESNT_MATCH_PREVIOUS_FAMILY,
        )

    def test_swapped_names_do_not_match_and_the_flags_show_the_swap(self, vld_actor, megan):
        result = verify(vld_actor, megan, given_name="Pritchard", family_name="Megan")

        assert result.response_code == C.LEARNER_DOES_NOT_MATCH
        assert result.differing_fields == ["given_name", "family_name"]
        # The given name is the family name (no VRF2), the family name the given name (no VRF4).
        assert result.failure_flags == (
            F.GIVEN_DOESNT_MATCH_GIVEN,
            F.GIVEN_DOESNT_MATCH_PREVIOUS_FAMILY,
            F.FAMILY_DOESNT_MATCH_FAMILY,
            F.FAMILY_DOESNT_MATCH_PREVIOUS_FAMILY,
        )

    def test_a_different_date_of_birth_does_not_match(self, vld_actor, megan):
        # No tolerance for dates: day and month swapped is a different date.
        result = verify(vld_actor, megan, date_of_birth=datetime.date(2009, 12, 4))

        assert result.response_code == C.LEARNER_DOES_NOT_MATCH
        assert result.differing_fields == ["date_of_birth"]
        assert result.failure_flags == (F.DATE_OF_BIRTH_DOESNT_MATCH_DATE_OF_BIRTH,)

    def test_a_different_gender_does_not_match(self, vld_actor, megan):
        result = verify(vld_actor, megan, gender="1")

        assert result.response_code == C.LEARNER_DOES_NOT_MATCH
        assert result.differing_fields == ["gender"]
        assert result.failure_flags == (F.GENDER_DOESNT_MATCH_GENDER,)

    @pytest.mark.parametrize("searched", ["0", "9"])
    def test_gender_not_known_or_not_specified_is_not_compared(self, vld_actor, megan, searched):
        result = verify(vld_actor, megan, gender=searched)

        assert result.response_code == C.SUCCESSFUL_MATCH
        assert result.fields["gender"] == FieldVerdict.NOT_COMPARED

    def test_several_differences_give_all_their_flags(self, vld_actor, megan):
        result = verify(
            vld_actor,
            megan,
            given_name="Ffion",
            date_of_birth=datetime.date(2009, 4, 13),
            gender="1",
        )

        assert result.response_code == C.LEARNER_DOES_NOT_MATCH
        assert result.differing_fields == ["given_name", "date_of_birth", "gender"]
        assert result.failure_flags == (
            F.GIVEN_DOESNT_MATCH_GIVEN,
            F.GIVEN_DOESNT_MATCH_FAMILY,
            F.GIVEN_DOESNT_MATCH_PREVIOUS_FAMILY,
            F.DATE_OF_BIRTH_DOESNT_MATCH_DATE_OF_BIRTH,
            F.GENDER_DOESNT_MATCH_GENDER,
        )

    def test_a_similar_name_with_a_different_date_does_not_match(self, vld_actor, rhian):
        result = verify(vld_actor, rhian, given_name="Rhi", date_of_birth=datetime.date(2008, 9, 4))

        assert result.response_code == C.LEARNER_DOES_NOT_MATCH
        assert result.fields["given_name"] == FieldVerdict.SIMILAR

    def test_the_postcode_is_reported_but_decides_nothing(self, vld_actor, megan):
        same = verify(vld_actor, megan, postcode="cf103at")
        moved = verify(vld_actor, megan, postcode="SA1 1NW")

        assert same.fields["postcode"] == FieldVerdict.MATCHES
        assert same.searched.postcode == "CF10 3AT"
        assert moved.fields["postcode"] == FieldVerdict.DIFFERS
        assert moved.response_code == C.SUCCESSFUL_MATCH
        assert moved.failure_flags == ()

    def test_an_unknown_uln_is_not_found(self, vld_actor, megan):
        result = verify(vld_actor, megan, uln=unknown_uln(megan.uln))

        assert result.response_code == C.ULN_NOT_FOUND == "WSVRC006"
        assert not result.verified
        assert result.uln == ""
        assert result.failure_flags == ()
        assert result.fields == {}


class TestLinkedUln:
    @pytest.fixture
    def duplicate(self, register, megan) -> Learner:
        """A second record of Megan, merged into `megan` (its master)."""
        linked = register(**ANOTHER_RECORD)
        assert linked.pk != megan.pk
        Learner.objects.filter(pk=linked.pk).update(master=megan, learner_status="2")
        linked.refresh_from_db()
        return linked

    def test_a_linked_uln_with_the_masters_details_gives_the_master(
        self, vld_actor, megan, duplicate
    ):
        result = verify(vld_actor, megan, uln=duplicate.uln)

        assert result.response_code == C.SUCCESSFUL_LINKED_MATCH == "WSVRC002"
        assert result.uln == megan.uln
        assert result.searched.uln == duplicate.uln

    def test_a_linked_uln_with_its_own_details_also_gives_the_master(
        self, vld_actor, megan, duplicate
    ):
        result = verify(vld_actor, duplicate)

        assert result.response_code == C.SUCCESSFUL_LINKED_MATCH
        assert result.uln == megan.uln

    def test_a_similar_linked_match(self, vld_actor, megan, duplicate):
        result = verify(vld_actor, megan, uln=duplicate.uln, given_name="Meg")

        assert result.response_code == C.SIMILAR_LINKED_MATCH == "WSVRC004"
        assert result.uln == megan.uln

    def test_a_linked_uln_with_other_details_does_not_give_the_master(
        self, vld_actor, megan, duplicate
    ):
        result = verify(
            vld_actor, megan, uln=duplicate.uln, date_of_birth=datetime.date(2001, 1, 1)
        )

        assert result.response_code == C.LEARNER_DOES_NOT_MATCH
        assert result.uln == ""
        assert result.failure_flags == (F.DATE_OF_BIRTH_DOESNT_MATCH_DATE_OF_BIRTH,)


class TestBadRequests:
    def test_a_wrong_uln_check_digit_is_refused_before_any_look_up(self, vld_actor, megan):
        wrong = megan.uln[:9] + str((int(megan.uln[9]) + 1) % 10)

        with pytest.raises(ValidationFailed) as refused:
            verify(vld_actor, megan, uln=wrong)

        assert list(refused.value.field_errors) == ["uln"]
        assert "check digit" in refused.value.field_errors["uln"][0]
        assert not AuditEvent.objects.filter(action=AuditAction.LEARNER_VERIFIED).exists()

    def test_every_missing_detail_is_named(self, vld_actor, megan):
        with pytest.raises(ValidationFailed) as refused:
            verify(vld_actor, megan, given_name=" ", family_name="", date_of_birth=None, gender="3")

        assert set(refused.value.field_errors) == {
            "given_name",
            "family_name",
            "date_of_birth",
            "gender",
        }

    def test_a_future_date_of_birth_and_a_bad_postcode(self, vld_actor, megan):
        with pytest.raises(ValidationFailed) as refused:
            verify(
                vld_actor,
                megan,
                date_of_birth=datetime.date.today() + datetime.timedelta(days=1),
                postcode="NOT A POSTCODE",
            )

        assert set(refused.value.field_errors) == {"date_of_birth", "postcode"}


class TestWhoMayVerify:
    @pytest.mark.parametrize("roles", [["online"], ["view"], ["plr"], ["batch"], ["super"]])
    def test_other_roles_may_not(self, college, make_user, megan, roles):
        actor = Actor(user=make_user(college, roles), channel=Channel.PORTAL)

        with pytest.raises(PermissionDenied):
            verify(actor, megan)

    def test_not_when_the_organisation_is_not_granted_the_role(
        self, system_actor, make_user, megan
    ):
        provider = create_organisation(
            actor=system_actor,
            ukprn="10056789",
            name="Valley Training",
            organisation_type="training_provider",
            granted_roles=["super", "online"],
        )
        user = make_user(provider, ["online"])
        User.objects.filter(pk=user.pk).update(roles=["vld"])
        user.refresh_from_db()

        with pytest.raises(PermissionDenied):
            verify(Actor(user=user, channel=Channel.API), megan)

    def test_not_when_the_organisation_is_inactive(self, vld_actor, college, megan):
        Organisation.objects.filter(pk=college.pk).update(status="suspended")
        vld_actor.user.organisation.refresh_from_db()

        with pytest.raises(PermissionDenied):
            verify(vld_actor, megan)


class TestAudit:
    def test_each_look_up_is_audited_on_the_learner(self, vld_actor, megan, college):
        verify(vld_actor, megan)
        verify(vld_actor, megan, gender="1")

        rows = AuditEvent.objects.filter(action=AuditAction.LEARNER_VERIFIED).order_by("id")
        assert [(r.learner_id, r.organisation_id, r.channel) for r in rows] == [
            (megan.pk, college.pk, "portal"),
            (megan.pk, college.pk, "portal"),
        ]
        assert [r.details for r in rows] == [
            {"searched_uln": megan.uln, "response_code": "WSVRC001", "failure_flags": []},
            {"searched_uln": megan.uln, "response_code": "WSVRC005", "failure_flags": ["VRF8"]},
        ]

    def test_a_linked_uln_is_audited_on_its_master(self, vld_actor, register, megan):
        linked = register(**ANOTHER_RECORD)
        assert linked.pk != megan.pk
        Learner.objects.filter(pk=linked.pk).update(master=megan)

        verify(vld_actor, megan, uln=linked.uln)

        row = AuditEvent.objects.get(action=AuditAction.LEARNER_VERIFIED)
        assert row.learner_id == megan.pk
        assert row.details["searched_uln"] == linked.uln

    def test_an_unknown_uln_is_audited_without_a_learner(self, vld_actor, megan):
        uln = unknown_uln(megan.uln)
        verify(vld_actor, megan, uln=uln)

        row = AuditEvent.objects.get(action=AuditAction.LEARNER_VERIFIED)
        assert row.learner_id is None
        assert row.details == {
            "searched_uln": uln,
            "response_code": "WSVRC006",
            "failure_flags": [],
        }


class TestLimit:
    def test_look_ups_are_limited_per_user_per_hour(
        self, vld_actor, college, make_user, megan, monkeypatch
    ):
        monkeypatch.setenv("LRS_VERIFICATIONS_PER_HOUR", "2")
        verify(vld_actor, megan)
        verify(vld_actor, megan, uln=unknown_uln(megan.uln))

        with pytest.raises(VerificationsRateLimited):
            verify(vld_actor, megan)
        # Another user of the organisation is not affected.
        other = Actor(user=make_user(college, ["vld"]), channel=Channel.API)
        assert verify(other, megan).verified
        # An hour later the user may verify again.
        AuditEvent.objects.filter(user_id=vld_actor.user.pk).update(
            occurred_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=61)
        )
        assert verify(vld_actor, megan).verified

    def test_a_files_look_ups_do_not_count(self, vld_actor, megan, monkeypatch):
        monkeypatch.setenv("LRS_VERIFICATIONS_PER_HOUR", "1")
        batch_actor = Actor(user=vld_actor.user, channel=Channel.BATCH)
        verify_learners(actor=batch_actor, requests=[request_for(megan)] * 3)

        assert verify(vld_actor, megan).verified


class TestMany:
    def test_each_request_gets_its_own_answer_and_audit_row(self, vld_actor, megan, rhian):
        batch_actor = Actor(user=vld_actor.user, channel=Channel.BATCH)
        results = verify_learners(
            actor=batch_actor,
            requests=[
                request_for(megan),
                request_for(rhian, given_name="Rhi"),
                request_for(megan, uln="1234567890"),
                request_for(megan, uln=unknown_uln(megan.uln, rhian.uln)),
            ],
        )

        assert isinstance(results[2], ValidationFailed)
        codes = [r.response_code for r in results if isinstance(r, VerifyResult)]
        assert codes == [C.SUCCESSFUL_MATCH, C.SIMILAR_MATCH, C.ULN_NOT_FOUND]
        rows = AuditEvent.objects.filter(action=AuditAction.LEARNER_VERIFIED)
        assert rows.count() == 3
        assert set(rows.values_list("channel", flat=True)) == {"batch"}

    def test_permission_is_checked(self, online_actor, megan):
        with pytest.raises(PermissionDenied):
            verify_learners(actor=online_actor, requests=[request_for(megan)])


class TestAccessLog:
    def test_look_ups_per_organisation_latest_first(
        self, vld_actor, megan, rhian, school, make_user
    ):
        school_actor = Actor(user=make_user(school, ["vld"]), channel=Channel.API)
        verify(vld_actor, megan)
        verify(vld_actor, megan, gender="1")
        verify(vld_actor, rhian)
        verify_learners(
            actor=Actor(user=school_actor.user, channel=Channel.BATCH),
            requests=[request_for(megan)],
        )

        log = verifications_of(megan)

        assert [(entry.organisation_name, entry.look_ups) for entry in log] == [
            ("Ysgol Glan Afon", 1),
            ("Riverside College", 2),
        ]
        assert [(e.organisation_name, e.look_ups) for e in verifications_of(rhian)] == [
            ("Riverside College", 1)
        ]
