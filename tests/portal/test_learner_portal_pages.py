"""The learner portal over HTTP: creating an account, the record, the access log, share links
opened by a stranger, the privacy notice; a learner is never an organisation user."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from lrs.core.actor import Actor
from lrs.learner_accounts.models import LearnerAccount
from lrs.learners.models import Learner
from lrs.plr.selectors import get_learner_learning_events
from tests.learner_accounts.fixtures import EMAIL, PASSWORD, last_code
from tests.plr.fixtures import found

pytestmark = pytest.mark.django_db(transaction=True)


def _date(learner: Learner) -> dict[str, str]:
    born = learner.date_of_birth
    return {
        "date_of_birth_day": str(born.day),
        "date_of_birth_month": str(born.month),
        "date_of_birth_year": str(born.year),
    }


def _sign_up(client: Client, learner: Learner, **overrides: str) -> object:
    client.post("/learner/create-account/", {"email": EMAIL})
    client.post("/learner/create-account/code/", {"code": last_code()})
    identity = {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        **_date(learner),
        **overrides,
    }
    return client.post("/learner/create-account/who-you-are/", identity)


@pytest.fixture
def signed_in(client: Client, account: LearnerAccount) -> Client:
    response = client.post("/learner/sign-in/", {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_creating_an_account_signs_the_learner_in(client: Client, events: Learner) -> None:
    response = _sign_up(client, events)
    assert response["Location"] == "/learner/create-account/password/"  # type: ignore[index]
    response = client.post(
        "/learner/create-account/password/",
        {"new_password": PASSWORD, "confirm_password": PASSWORD},
    )
    assert response["Location"] == "/learner/record/"
    page = client.get("/learner/record/").content.decode()
    assert "3 learning events" in page
    assert LearnerAccount.objects.get().learner == events


def test_the_identity_step_answers_alike_for_unknown_uln_and_wrong_details(
    client: Client, events: Learner
) -> None:
    wrong_date = _sign_up(client, events, date_of_birth_day="1")
    other = Client()
    other.post("/learner/create-account/", {"email": "b@example.org"})
    other.post("/learner/create-account/code/", {"code": last_code()})
    unknown = other.post(
        "/learner/create-account/who-you-are/",
        {
            "uln": "1000000004" if events.uln != "1000000004" else "1000000012",
            "given_name": events.given_name,
            "family_name": events.family_name,
            **_date(events),
        },
    )

    def main(response: object) -> str:
        html = response.content.decode()  # type: ignore[attr-defined]
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        html = re.sub(r'value="[^"]*"', "", html)
        return html.split('id="main-content"')[1].split("</main>")[0]

    assert wrong_date.status_code == unknown.status_code == 200  # type: ignore[attr-defined]
    assert "do not agree with a learner record" in main(unknown)
    assert main(wrong_date) == main(unknown)


def test_the_steps_cannot_be_skipped(client: Client, events: Learner) -> None:
    assert client.get("/learner/create-account/who-you-are/")["Location"] == (
        "/learner/create-account/"
    )
    client.post("/learner/create-account/", {"email": EMAIL})
    assert client.get("/learner/create-account/password/")["Location"] == (
        "/learner/create-account/"
    )


def test_pages_need_a_signed_in_learner(client: Client) -> None:
    for path in ("/learner/record/", "/learner/access-log/", "/learner/share/"):
        assert client.get(path)["Location"] == "/learner/sign-in/"


def test_an_organisation_user_is_not_a_learner(
    client: Client, plr_actor: Actor, account: LearnerAccount
) -> None:
    client.force_login(plr_actor.user)  # type: ignore[arg-type]
    # Past the sign-in steps or not, no learner pages.
    response = client.get("/learner/record/")
    assert response.status_code == 302
    assert "learner/record" not in response["Location"]


def test_a_learner_is_not_an_organisation_user(signed_in: Client) -> None:
    assert signed_in.get("/home/")["Location"].startswith("/sign-in/")
    assert signed_in.get("/learners/find/").status_code == 302


def test_the_record_shows_sensitive_and_challenged_events(signed_in: Client) -> None:
    page = signed_in.get("/learner/record/").content.decode()
    assert page.count("Hidden from organisations") == 1
    assert "Under data challenge" in page
    assert signed_in.get("/learner/record/?sort=grade&order=asc").status_code == 200


def test_event_details_of_ones_own_events_only(signed_in: Client, account: LearnerAccount) -> None:
    from lrs.plr.models import LearningEvent

    sensitive = LearningEvent.objects.get(sensitive=True)
    page = signed_in.get(f"/learner/record/events/{sensitive.pk}/").content.decode()
    assert "Only you can see this learning event" in page
    assert signed_in.get("/learner/record/events/999999/").status_code == 404


def test_the_pdf_has_every_event_ticked(signed_in: Client) -> None:
    page = signed_in.get("/learner/record/report/").content.decode()
    assert page.count('type="checkbox"') == 3
    assert page.count("checked") >= 3


def test_the_access_log_page_shows_organisation_reads_not_users(
    signed_in: Client, account: LearnerAccount, plr_actor: Actor
) -> None:
    get_learner_learning_events(uln=found(account.learner, plr_actor).uln, actor=plr_actor)
    page = signed_in.get("/learner/access-log/").content.decode()
    assert "Riverside College" in page
    assert "Viewed your learning record" in page
    assert plr_actor.user.username not in page


def test_a_share_link_opened_by_a_stranger(signed_in: Client) -> None:
    from lrs.plr.models import LearningEvent

    gcse = LearningEvent.objects.get(source_record_id="G")
    response = signed_in.post(
        "/learner/share/new/", {"recipient": "Acme Ltd", "days": "7", "events": [str(gcse.pk)]}
    )
    assert response["Location"] == "/learner/share/"
    listing = signed_in.get("/learner/share/").content.decode()
    url = re.search(r'href="(http://testserver/learner/shared/[^"]+)"', listing)
    assert url is not None
    stranger = Client()
    page = stranger.get(url.group(1)).content.decode()
    assert "shared these learning events with Acme Ltd" in page
    assert gcse.subject in page
    assert "Hidden from organisations" not in page
    pdf = stranger.get(url.group(1) + "pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    tampered = url.group(1)[:-3] + ("A" if url.group(1)[-3] != "A" else "B") + url.group(1)[-2:]
    refused = stranger.get(tampered)
    assert refused.status_code == 404
    assert "has been changed" in refused.content.decode()
    log = signed_in.get("/learner/access-log/").content.decode()
    assert "Someone with your share link for Acme Ltd" in log


def test_revoking_a_link_from_the_list(signed_in: Client) -> None:
    from lrs.learner_accounts.models import ShareLink
    from lrs.plr.models import LearningEvent

    gcse = LearningEvent.objects.get(source_record_id="G")
    signed_in.post(
        "/learner/share/new/", {"recipient": "Acme Ltd", "days": "7", "events": [str(gcse.pk)]}
    )
    link = ShareLink.objects.get()
    signed_in.post(f"/learner/share/{link.public_id}/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_privacy_notice_in_welsh_with_the_ability_to_share(signed_in: Client) -> None:
    signed_in.cookies["lrs_language"] = "cy"
    page = signed_in.get("/learner/privacy/").content.decode()
    assert 'lang="cy"' in page
    assert "Wedi'i weld: caiff sefydliadau weld eich cofnod" in page


def test_forgotten_password_by_email_code(client: Client, account: LearnerAccount) -> None:
    mail.outbox.clear()
    client.post("/learner/forgotten-password/", {"email": EMAIL})
    response = client.post(
        "/learner/forgotten-password/reset/",
        {
            "code": last_code(),
            "new_password": "Another-pass-8",
            "confirm_password": "Another-pass-8",
        },
    )
    assert response["Location"] == "/learner/record/"
