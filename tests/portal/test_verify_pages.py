"""The verify learner page: role and organisation checks, each answer shown, Welsh, audit."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User

# A second record of Megan's, different enough to be registered (then linked in the test).
ANOTHER_RECORD = {
    "family_name": "Prichard",
    "date_of_birth": datetime.date(2009, 5, 12),
    "last_known_postcode": "SA1 1NW",
    "middle_other_name": "",
}

pytestmark = pytest.mark.django_db

SignIn = Callable[[User], Client]
URL = "/verify-learner/"


def text(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def form_for(learner: Learner, **overrides: str) -> dict[str, str]:
    values = {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth_day": str(learner.date_of_birth.day),
        "date_of_birth_month": str(learner.date_of_birth.month),
        "date_of_birth_year": str(learner.date_of_birth.year),
        "gender": learner.gender,
        "postcode": "",
    }
    values.update(overrides)
    return values


@pytest.fixture
def verifier(signed_in: SignIn, college: Organisation, make_user: Callable[..., User]) -> Client:
    return signed_in(make_user(college, ["vld"]))


def test_the_url_is_named() -> None:
    assert reverse("portal:verify-learner") == URL


def test_the_page_and_its_link_for_the_verify_role(verifier: Client) -> None:
    page = text(verifier.get(URL))
    home = verifier.get("/home/").content.decode()

    assert "Verify a learner" in page
    assert "Postcode (optional)" in page
    assert f'href="{URL}"' in home


@pytest.mark.parametrize("roles", [["online"], ["view"], ["plr"], ["batch"], ["super"]])
def test_other_roles_get_403(
    signed_in: SignIn, college: Organisation, make_user: Callable[..., User], roles: list[str]
) -> None:
    client = signed_in(make_user(college, roles))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {}).status_code == 403
    assert f'href="{URL}"' not in client.get("/home/").content.decode()


def test_an_awarding_organisation_user_gets_403(
    signed_in: SignIn, awarding_org: Organisation, make_user: Callable[..., User]
) -> None:
    assert signed_in(make_user(awarding_org, ["ao"])).get(URL).status_code == 403


def test_403_when_the_organisation_no_longer_grants_the_role(
    verifier: Client, college: Organisation
) -> None:
    Organisation.objects.filter(pk=college.pk).update(granted_roles=["super", "online"])

    assert verifier.get(URL).status_code == 403


def test_signed_out_users_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_verified(verifier: Client, megan: Learner) -> None:
    response = verifier.post(URL, form_for(megan, postcode="cf10 3at"))

    page = text(response)
    assert "Verified: the details are those of the learner with this ULN." in page
    assert "WSVRC001" in page
    assert f"ULN to use {megan.uln}" in page
    html = response.content.decode()
    assert html.count('data-verdict="matches"') == 5


def test_the_fields_that_differ_and_the_flags(verifier: Client, megan: Learner) -> None:
    response = verifier.post(URL, form_for(megan, given_name="Ffion", gender="1"))

    page = text(response)
    assert "Not verified" in page
    assert "WSVRC005" in page
    assert "ULN to use" not in page
    html = response.content.decode()
    assert html.count('data-verdict="differs"') == 2
    assert "VRF1 GivenDoesntMatchGiven: The given name is not the learner&#x27;s given name." in (
        html.replace("\n", " ")
        .replace("</span> ", " ")
        .replace('<span class="govuk-!-font-weight-bold">', "")
    )
    assert "VRF8 GenderDoesntMatchGender" in page


def test_a_linked_uln_shows_the_master(
    verifier: Client, megan: Learner, register: Callable[..., Learner]
) -> None:
    linked = register(**ANOTHER_RECORD)
    assert linked.pk != megan.pk
    Learner.objects.filter(pk=linked.pk).update(master=megan, learner_status="2")

    page = text(verifier.post(URL, form_for(megan, uln=linked.uln)))

    assert "WSVRC002" in page
    assert f"ULN to use {megan.uln}" in page


def test_an_unknown_uln(verifier: Client, megan: Learner) -> None:
    from lrs.identifiers import generate_uln

    while (uln := generate_uln()) == megan.uln:
        pass
    page = text(verifier.post(URL, form_for(megan, uln=uln)))

    assert "WSVRC006" in page
    assert "Not verified: no learner has this ULN." in page


def test_a_wrong_check_digit_is_shown_on_the_field(verifier: Client, megan: Learner) -> None:
    wrong = megan.uln[:9] + str((int(megan.uln[9]) + 1) % 10)

    page = text(verifier.post(URL, form_for(megan, uln=wrong)))

    assert "There is a problem" in page
    assert "ULN check digit is wrong" in page
    assert not AuditEvent.objects.filter(action="learner.verified").exists()


def test_missing_details_are_named(verifier: Client) -> None:
    page = text(verifier.post(URL, {"uln": ""}))

    for message in (
        "Enter the learner's ULN",
        "Enter the learner's given name",
        "Enter the learner's family name",
        "Select the learner's gender",
    ):
        assert message.replace("'", "&#x27;") in page or message in page


def test_the_limit_is_shown(
    verifier: Client, megan: Learner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_VERIFICATIONS_PER_HOUR", "1")
    verifier.post(URL, form_for(megan))

    page = text(verifier.post(URL, form_for(megan)))

    assert "You have verified too many learners in the last hour" in page


def test_each_look_up_is_audited_with_the_portal_channel(
    verifier: Client, megan: Learner, college: Organisation
) -> None:
    verifier.post(URL, form_for(megan))

    row = AuditEvent.objects.get(action="learner.verified")
    assert (row.learner_id, row.organisation_id, row.channel) == (megan.pk, college.pk, "portal")


def test_in_welsh(verifier: Client, megan: Learner) -> None:
    verifier.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"

    empty = verifier.get(URL).content.decode()
    answered = text(verifier.post(URL, form_for(megan, gender="1")))

    assert '<html lang="cy"' in empty
    assert "Dilysu dysgwr" in empty
    assert "Heb ei ddilysu" in answered
    assert "WSVRC005" in answered


def test_a_verify_file_uploaded_in_the_portal(
    verifier: Client,
    megan: Learner,
    signed_in: SignIn,
    school: Organisation,
    make_user: Callable[..., User],
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lrs.batches.services import process_until_done

    content = (
        "ULN,GivenName,FamilyName,DateOfBirth,Gender\n"
        f"{megan.uln},Megan,Pritchard,2009-04-12,2\n"
        f"{megan.uln},Megan,Pritchard,2009-04-13,2\n"
    ).encode()
    assert "Verify files" in text(verifier.get(f"{URL}files/"))

    response = verifier.post(
        f"{URL}files/", {"file": SimpleUploadedFile("v.csv", content, "text/csv")}
    )

    assert response.status_code == 302
    page_url = response["Location"]
    assert "The file is being processed." in text(verifier.get(page_url))
    process_until_done()
    page = text(verifier.get(page_url))
    assert "Verified 1" in page
    assert "Details do not match 1" in page
    output = verifier.get(page_url + "output/")
    assert output.status_code == 200
    assert b"WSVRC005" in output.content
    assert f"{page_url}" in verifier.get(f"{URL}files/").content.decode()
    # Another organisation's verifier cannot open it.
    elsewhere = signed_in(make_user(school, ["vld"]))
    assert elsewhere.get(page_url).status_code == 404
    assert elsewhere.get(page_url + "output/").status_code == 404


def test_a_bad_verify_file_is_explained(verifier: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = verifier.post(
        f"{URL}files/", {"file": SimpleUploadedFile("v.csv", b"ULN\n1\n", "text/csv")}
    )

    assert response.status_code == 200
    assert "missing column(s): GivenName" in text(response)


@pytest.mark.parametrize("roles", [["batch"], ["online"]])
def test_verify_files_are_for_the_verify_role(
    signed_in: SignIn, college: Organisation, make_user: Callable[..., User], roles: list[str]
) -> None:
    client = signed_in(make_user(college, roles))

    assert client.get(f"{URL}files/").status_code == 403
    assert client.get(f"{URL}files/1/").status_code == 403
    assert client.get(f"{URL}files/1/output/").status_code == 403
