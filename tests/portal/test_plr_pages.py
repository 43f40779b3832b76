"""The portal's PLR pages: the record, an event, the report (PDF), qualifications, credit check."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from lrs.core.actor import Actor
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User
from lrs.plr.models import LearningEvent
from lrs.plr.reports import create_plr_report
from lrs.plr.services import import_data_return, set_event_flags, submit_achievements
from tests.plr.fixtures import DIPLOMA_QN, GCSE_QN, UNIT_A, UNIT_B, found, row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

SignIn = Callable[[User], Client]


def text(response: Any) -> str:
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def recorded(ao_actor: Actor, operator: Actor, megan: Learner) -> Learner:
    submit_achievements(
        actor=ao_actor,
        rows=[
            row(megan, source_record_id="G", grade="7"),
            row(
                megan,
                subject_code=UNIT_A,
                source_record_id="U1",
                grade="Pass",
                achievement_award_date=datetime.date(2024, 6, 1),
            ),
            row(megan, subject_code=UNIT_B, source_record_id="U2", grade="Merit", sensitive=True),
        ],
    )
    import_data_return(
        actor=operator,
        source="ILR",
        submitter_ukprn="10034567",
        rows=[
            row(
                megan,
                subject_code=DIPLOMA_QN,
                source_record_id="I1",
                grade="",
                achievement_award_date=None,
                participation_start_date=datetime.date(2023, 9, 4),
            )
        ],
    )
    set_event_flags(
        actor=operator, event=LearningEvent.objects.get(subject_code=UNIT_A), under_challenge=True
    )
    return megan


@pytest.fixture
def viewer(college: Organisation, make_user: Callable[..., User], signed_in: SignIn) -> Client:
    user = make_user(college, ["plr"])
    return signed_in(user)


def _find(client: Client, learner: Learner) -> None:
    response = client.post(
        reverse("portal:learner-find-uln"),
        {"uln-uln": learner.uln, "uln-given_name": "Megan", "uln-family_name": "Pritchard"},
    )
    assert response.status_code == 302


def plr_url(learner: Learner, **query: str) -> str:
    url = reverse("portal:learner-plr", args=[learner.uln])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_plr_table_after_finding_the_learner(viewer: Client, recorded: Learner) -> None:
    _find(viewer, recorded)
    detail = viewer.get(reverse("portal:learner-detail", args=[recorded.uln]))
    assert "View Personal Learning Record" in text(detail)

    response = viewer.get(plr_url(recorded))

    assert response.status_code == 200
    page = text(response)
    assert "Personal Learning Record of Megan Pritchard" in page
    assert "3 learning events" in page
    assert "Invented GCSE (9 to 1) in Welsh Language" in page
    assert "Invented unit: Welding" not in page  # sensitive
    assert page.count("Under data challenge") == 1
    assert 'aria-sort="descending"' in response.content.decode()
    for column in (
        "Subject",
        "Level",
        "Grade",
        "Credit",
        "Source",
        "Start date",
        "End date",
        "Award date",
    ):
        assert column in page


def test_the_plr_sorts_by_any_column_and_pages(
    viewer: Client, recorded: Learner, ao_actor: Actor
) -> None:
    submit_achievements(
        actor=ao_actor,
        rows=[row(recorded, subject_code=UNIT_A, source_record_id=f"X{n}") for n in range(20)],
    )
    _find(viewer, recorded)

    first = viewer.get(plr_url(recorded, sort="subject", order="asc"))
    second = viewer.get(plr_url(recorded, sort="subject", order="asc", page="2"))

    assert 'aria-sort="ascending"' in first.content.decode()
    assert "23 learning events" in text(first)
    assert text(first).index("Invented GCSE") < text(first).index("Invented Level 3 Diploma")
    assert "Invented unit: Health and safety" in text(second)
    assert "Page 2" in first.content.decode()


def test_the_plr_needs_a_find_first(
    recorded: Learner, school: Organisation, make_user: Callable[..., User], signed_in: SignIn
) -> None:
    stranger = signed_in(make_user(school, ["plr"]))
    response = stranger.get(plr_url(recorded))
    assert response.status_code == 404
    assert "could not be verified" in text(response)


def test_the_plr_of_a_learner_who_has_not_agreed_to_share(
    viewer: Client, recorded: Learner
) -> None:
    _find(viewer, recorded)
    Learner.objects.filter(pk=recorded.pk).update(ability_to_share="0")

    response = viewer.get(plr_url(recorded))

    assert response.status_code == 403
    page = text(response)
    assert "Personal Learning Record not shared" in page
    assert "WSEC0206" in page
    assert "Invented GCSE" not in page


@pytest.mark.parametrize("roles", [["online"], ["view"], ["super"], ["batch", "vld"]])
def test_every_plr_page_needs_the_learner_record_role(
    recorded: Learner,
    college: Organisation,
    make_user: Callable[..., User],
    signed_in: SignIn,
    roles: list[str],
) -> None:
    client = signed_in(make_user(college, roles))
    event = LearningEvent.objects.first()
    assert event is not None
    for url in (
        plr_url(recorded),
        reverse("portal:learner-plr-event", args=[recorded.uln, event.pk]),
        reverse("portal:learner-plr-report", args=[recorded.uln]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url


def test_an_event_page_with_its_details_and_qualification_link(
    viewer: Client, recorded: Learner
) -> None:
    _find(viewer, recorded)
    event = LearningEvent.objects.get(subject_code=GCSE_QN)

    response = viewer.get(reverse("portal:learner-plr-event", args=[recorded.uln, event.pk]))

    page = text(response)
    assert GCSE_QN in page
    assert "Example Awarding Body" in page
    assert "AO (Awarding organisation)" in page
    assert "Qualification details and rules of combination" in page
    assert "Changes since it was loaded" not in page
    challenged = LearningEvent.objects.get(subject_code=UNIT_A)
    history = text(
        viewer.get(reverse("portal:learner-plr-event", args=[recorded.uln, challenged.pk]))
    )
    assert "Changes since it was loaded" in history
    assert "Under data challenge : No → to Yes" in history
    sensitive = LearningEvent.objects.get(subject_code=UNIT_B)
    hidden = viewer.get(reverse("portal:learner-plr-event", args=[recorded.uln, sensitive.pk]))
    assert hidden.status_code == 404


def test_views_are_audited_for_the_access_log(viewer: Client, recorded: Learner) -> None:
    _find(viewer, recorded)
    viewer.get(plr_url(recorded))

    audit = AuditEvent.objects.filter(action="plr.viewed", learner_id=recorded.pk).get()
    assert audit.channel == "portal"


def test_the_report_ticks_every_event_and_reads_back(viewer: Client, recorded: Learner) -> None:
    _find(viewer, recorded)
    url = reverse("portal:learner-plr-report", args=[recorded.uln])

    form = viewer.get(url)
    assert form.content.decode().count("checked") >= 3
    events = list(
        LearningEvent.objects.filter(sensitive=False).order_by("id").values_list("pk", flat=True)
    )
    response = viewer.post(url, {"events": [str(pk) for pk in events], "language": "en"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"PLR_{recorded.uln}_" in response["Content-Disposition"]
    content = pdf_text(response.content)
    assert "Personal Learning Record" in content
    assert "Megan Eleri Pritchard" in content
    assert recorded.uln in content
    assert "12 Apr 2009" in content
    assert "Invented GCSE (9 to 1) in Welsh Language" in content
    assert "Invented unit: Welding" not in content
    assert "under data challenge" in content
    # Date order: the unit (June 2024) before the GCSE (August 2025).
    assert content.index("Health and safety") < content.index("Invented GCSE")
    reference = AuditEvent.objects.get(action="plr.report_created").details["reference"]
    assert f"Report reference: {reference}" in content


def test_an_unticked_event_stays_out_and_the_report_can_be_welsh(
    viewer: Client, recorded: Learner
) -> None:
    _find(viewer, recorded)
    url = reverse("portal:learner-plr-report", args=[recorded.uln])
    gcse = LearningEvent.objects.get(subject_code=GCSE_QN)

    response = viewer.post(url, {"events": [str(gcse.pk)], "language": "cy"})

    assert response.status_code == 200
    content = pdf_text(response.content)
    assert "Cofnod Dysgu Personol" in content
    assert "Invented GCSE" in content
    assert "Health and safety" not in content
    assert "Ebr 2009" in content


def test_a_sensitive_event_stays_out_of_a_report_even_if_asked_for(
    plr_actor: Actor, recorded: Learner
) -> None:
    found(recorded, plr_actor)
    sensitive = LearningEvent.objects.get(subject_code=UNIT_B)
    gcse = LearningEvent.objects.get(subject_code=GCSE_QN)

    report = create_plr_report(
        uln=recorded.uln, actor=plr_actor, event_ids=[sensitive.pk, gcse.pk], language="en"
    )

    assert report.event_count == 1
    content = pdf_text(report.content)
    assert "Welding" not in content
    assert "Invented GCSE" in content


def test_the_report_needs_at_least_one_event(viewer: Client, recorded: Learner) -> None:
    _find(viewer, recorded)
    response = viewer.post(
        reverse("portal:learner-plr-report", args=[recorded.uln]), {"language": "en"}
    )
    assert response.status_code == 200
    assert "Select at least one learning event" in text(response)


def test_qualification_search_and_rules_of_combination(viewer: Client, recorded: Learner) -> None:
    response = viewer.get(reverse("portal:qualification-search") + "?keywords=diploma")
    page = text(response)
    assert "1 qualification found" in page
    assert DIPLOMA_QN in page

    _find(viewer, recorded)
    detail = viewer.get(
        reverse("portal:qualification-detail", args=["60342663"]) + f"?uln={recorded.uln}"
    )
    page = text(detail)
    assert "Rules of combination" in page
    assert "Group A (Mandatory): at least 10 credits" in page
    assert "Group B (Optional): at least 20 credits" in page
    # The unit A event (10 credits) counts; the sensitive unit B event does not.
    assert "towards this qualification: 10." in page
    assert "The qualification needs 30 credits." in page


def test_credit_check_page_shows_only_that_achievement(
    awarding_org: Organisation,
    make_user: Callable[..., User],
    signed_in: SignIn,
    recorded: Learner,
) -> None:
    client = signed_in(make_user(awarding_org, ["ao"]))
    form = {
        "uln": recorded.uln,
        "given_name": "Megan",
        "family_name": "Pritchard",
        "date_of_birth_day": "12",
        "date_of_birth_month": "4",
        "date_of_birth_year": "2009",
        "reference": UNIT_A.replace("/", ""),
    }

    response = client.post(reverse("portal:credit-check"), form)

    page = text(response)
    assert "Achievement found" in page
    assert "Invented unit: Health and safety" in page
    assert "Invented GCSE" not in page
    assert "Diploma" not in page
    missing = text(
        client.post(reverse("portal:credit-check"), {**form, "reference": GCSE_QN[:-1] + "8"})
    )
    assert "Enter a qualification number" in missing
    missing = text(client.post(reverse("portal:credit-check"), {**form, "reference": "500/2527/2"}))
    assert "Not found" in missing


def test_credit_check_needs_the_reference(
    awarding_org: Organisation, make_user: Callable[..., User], signed_in: SignIn
) -> None:
    client = signed_in(make_user(awarding_org, ["ao"]))
    response = client.post(reverse("portal:credit-check"), {"uln": "1000000043"})
    assert "Enter the unit or qualification reference" in text(response)


def test_credit_check_is_for_awarding_organisations(viewer: Client) -> None:
    assert viewer.get(reverse("portal:credit-check")).status_code == 403


def test_signed_out_visitors_see_no_plr_page(recorded: Learner, client: Client) -> None:
    event = LearningEvent.objects.first()
    assert event is not None
    for url in (
        plr_url(recorded),
        reverse("portal:learner-plr-event", args=[recorded.uln, event.pk]),
        reverse("portal:learner-plr-report", args=[recorded.uln]),
        reverse("portal:qualification-search"),
        reverse("portal:qualification-detail", args=["60342663"]),
        reverse("portal:credit-check"),
        reverse("portal:achievement-files"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("portal:sign-in")), url
