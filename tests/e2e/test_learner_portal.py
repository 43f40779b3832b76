"""The learner portal in a real browser, in English and in Welsh, with axe on every page: a
learner creates an account (emailed code, who they are, password), views their record with a
sensitive event, an event's details, the access log after an organisation looked, makes a
share link that a stranger opens in another browser, revokes it, and reads the privacy notice.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail

from lrs.core.actor import Actor
from lrs.learners.models import Learner
from lrs.plr.selectors import get_learner_learning_events
from tests.e2e.conftest import check_page
from tests.plr.fixtures import found

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "Learner-pass-7"

# The few words the journey clicks or reads, per language.
WORDS = {
    "en": {
        "create": "Create an account",
        "hidden": "Hidden from organisations",
        "challenge": "Under data challenge",
        "shared": "shared these learning events with",
        "seen": "Seen: organisations may view your record",
        "revoked": "Revoked",
        "checked": "Checked by the Learning Records Service",
        "refused": "This share link cannot be opened",
    },
    "cy": {
        "create": "Creu cyfrif",
        "hidden": "Wedi'i guddio rhag sefydliadau",
        "challenge": "Dan her data",
        "shared": "y digwyddiadau dysgu hyn",
        "seen": "Wedi'i weld: caiff sefydliadau weld eich cofnod",
        "revoked": "Wedi'i ddirymu",
        "checked": "Wedi'i wirio gan y Gwasanaeth Cofnodion Dysgu",
        "refused": "Ni ellir agor y ddolen rannu hon",
    },
}


def _code() -> str:
    body = str(mail.outbox[-1].body)
    match = re.search(r"\b(\d{6})\b", body)
    assert match is not None
    return match.group(1)


def _submit(page: Any) -> None:
    page.locator("main form button[type=submit]").last.click()


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_learner_signs_up_views_shares_and_a_stranger_opens_the_link(
    page: Any, live_server: Any, events: Learner, plr_actor: Actor, language: str
) -> None:
    words = WORDS[language]
    page.context.add_cookies([{"name": "lrs_language", "value": language, "url": live_server.url}])
    page.goto("/learner/")
    assert page.locator("html").get_attribute("lang") == language
    check_page(page, f"learner-start-{language}")

    # Creating an account: email, code, who you are, password.
    page.get_by_role("button", name=words["create"]).click()
    check_page(page)
    page.fill("input[name=email]", "megan@example.org")
    _submit(page)
    page.wait_for_url("**/create-account/code/")
    check_page(page, f"learner-code-{language}")
    page.fill("input[name=code]", "000000" if _code() != "000000" else "111111")
    _submit(page)
    page.locator(".govuk-error-summary").wait_for()
    check_page(page)  # the error summary is accessible too
    page.fill("input[name=code]", _code())
    _submit(page)
    page.wait_for_url("**/create-account/who-you-are/")
    page.fill("input[name=uln]", events.uln)
    page.fill("input[name=given_name]", "Meg")  # a known variant of Megan
    page.fill("input[name=family_name]", events.family_name)
    born: datetime.date = events.date_of_birth
    page.fill("input[name=date_of_birth_day]", str(born.day))
    page.fill("input[name=date_of_birth_month]", str(born.month))
    page.fill("input[name=date_of_birth_year]", str(born.year + 1))
    _submit(page)
    page.locator(".govuk-error-summary").wait_for()
    check_page(page, f"learner-identity-refused-{language}")
    page.fill("input[name=date_of_birth_year]", str(born.year))
    _submit(page)
    page.wait_for_url("**/create-account/password/")
    check_page(page)
    page.fill("input[name=new_password]", PASSWORD)
    page.fill("input[name=confirm_password]", PASSWORD)
    _submit(page)

    # My learning record: every event, the sensitive one marked.
    page.wait_for_url("**/learner/record/")
    assert page.locator("tbody tr").count() == 3
    assert page.get_by_text(words["hidden"]).count() == 1
    assert page.get_by_text(words["challenge"]).count() == 1
    check_page(page, f"learner-record-{language}")
    page.locator("thead a").nth(2).click()  # sort by grade
    page.wait_for_url("**sort=grade**")
    page.locator("tbody th a").first.click()
    page.wait_for_url("**/record/events/**")
    check_page(page, f"learner-event-{language}")
    page.goto("/learner/record/report/")
    assert page.locator("input[type=checkbox]:checked").count() == 3
    check_page(page)

    # An organisation looks; the access log says who, when and what.
    get_learner_learning_events(uln=found(events, plr_actor).uln, actor=plr_actor)
    page.goto("/learner/access-log/")
    assert page.get_by_text("Riverside College").count() >= 2
    assert plr_actor.user.username not in page.content()
    check_page(page, f"learner-access-log-{language}")

    # A share link of one event, opened by a stranger in another browser.
    page.goto("/learner/share/new/")
    check_page(page)
    page.fill("input[name=recipient]", "Acme Engineering")
    page.locator("input[name=days][value='7']").check()
    page.locator("input[name=events]").first.check()
    _submit(page)
    page.wait_for_url("**/learner/share/")
    check_page(page, f"learner-share-links-{language}")
    url = page.locator("dd a[href*='/learner/shared/']").first.get_attribute("href")
    stranger_context = page.context.browser.new_context(
        base_url=live_server.url, bypass_csp=True, locale="en-GB"
    )
    stranger_context.add_cookies(
        [{"name": "lrs_language", "value": language, "url": live_server.url}]
    )
    stranger = stranger_context.new_page()
    stranger.goto(url)
    assert "Acme Engineering" in stranger.content()
    assert words["shared"] in stranger.content()
    stranger.get_by_text(words["checked"]).wait_for()
    assert stranger.locator("tbody tr").count() == 1
    check_page(stranger, f"learner-shared-{language}")
    with stranger.expect_download() as download:
        stranger.locator("a[href$='/pdf/']").click()
    assert download.value.suggested_filename.endswith(".pdf")
    stranger.goto(url[:-4] + ("A" if url[-4] != "A" else "B") + url[-3:])
    stranger.get_by_role("heading", name=words["refused"]).wait_for()
    check_page(stranger)

    # The opening is in the access log; the learner revokes the link; the stranger is refused.
    page.goto("/learner/access-log/")
    assert page.get_by_text("Acme Engineering").count() >= 1
    page.goto("/learner/share/")
    page.locator("form[action$='/revoke/'] button").click()
    page.get_by_text(words["revoked"], exact=True).wait_for()
    stranger.goto(url)
    stranger.get_by_role("heading", name=words["refused"]).wait_for()
    stranger_context.close()

    # The privacy notice, with the ability to share.
    page.goto("/learner/privacy/")
    page.get_by_text(words["seen"]).wait_for()
    check_page(page, f"learner-privacy-{language}")


@pytest.mark.parametrize("language", ["en", "cy"])
def test_sign_in_lockout_and_forgotten_password(
    page: Any, live_server: Any, account: Any, language: str
) -> None:
    page.context.add_cookies([{"name": "lrs_language", "value": language, "url": live_server.url}])
    page.goto("/learner/sign-in/")
    check_page(page, f"learner-sign-in-{language}")
    page.fill("input[name=email]", "megan@example.org")
    page.fill("input[name=password]", "Wrong-pass-1")
    _submit(page)
    page.locator(".govuk-error-summary").wait_for()
    check_page(page)
    page.goto("/learner/forgotten-password/")
    check_page(page, f"learner-forgotten-password-{language}")
    page.fill("input[name=email]", "megan@example.org")
    _submit(page)
    page.wait_for_url("**/forgotten-password/reset/")
    check_page(page)
    page.fill("input[name=code]", _code())
    page.fill("input[name=new_password]", "Another-pass-8")
    page.fill("input[name=confirm_password]", "Another-pass-8")
    _submit(page)
    page.wait_for_url("**/learner/record/")
    page.locator("form[action$='/sign-out/'] button").click()
    page.wait_for_url("**/learner/")
    check_page(page)
    page.goto("/learner/sign-in/")
    page.fill("input[name=email]", "megan@example.org")
    page.fill("input[name=password]", "Another-pass-8")
    _submit(page)
    page.wait_for_url("**/learner/record/")


@pytest.mark.parametrize("language", ["en", "cy"])
def test_a_learner_reports_a_problem_with_an_event_and_withdraws_it(
    page: Any, live_server: Any, account: Any, language: str
) -> None:
    """Report a problem from an event's page, see the reference, then My reports (axe)."""
    words = {
        "en": ("Report a problem with this learning event", "Withdrawn"),
        "cy": ("Rhoi gwybod am broblem gyda'r digwyddiad dysgu hwn", "Wedi'i dynnu'n ôl"),
    }[language]
    page.context.add_cookies([{"name": "lrs_language", "value": language, "url": live_server.url}])
    page.goto("/learner/sign-in/")
    page.fill("input[name=email]", "megan@example.org")
    page.fill("input[name=password]", PASSWORD)
    _submit(page)
    page.wait_for_url("**/learner/record/")
    page.locator("main table a.govuk-link").filter(has_text="GCSE").first.click()
    page.get_by_role("link", name=words[0]).click()
    page.wait_for_url("**/learner/report-a-problem/?event=*")
    check_page(page, f"learner-report-problem-{language}")
    assert page.locator("input[name=problem][value=event_wrong]").is_checked()
    assert page.locator("input[name=contact_email]").input_value() == "megan@example.org"
    page.fill("input[name=proposed_grade]", "8")
    _submit(page)
    page.locator(".govuk-panel--confirmation").wait_for()
    check_page(page, f"learner-problem-reported-{language}")
    reference = page.locator(".govuk-panel__body strong").inner_text()
    assert re.fullmatch(r"DC-\d{10}-001", reference)
    page.goto("/learner/my-reports/")
    check_page(page, f"learner-my-reports-{language}")
    assert reference in page.locator("main").inner_text()
    page.locator("form[action$='/withdraw/'] button").click()
    page.wait_for_url("**/learner/my-reports/")
    check_page(page)
    assert words[1] in page.locator("main").inner_text()
