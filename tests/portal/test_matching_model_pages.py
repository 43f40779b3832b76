"""The service desk's matching model page (issue 13): fit the model as a worker job, read a
version's report, switch searches to it and back; refused to everyone else, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lrs.challenges.model_fits import fit_now, run_next_queued_fit
from lrs.challenges.models import MatchingFitRun
from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.learners.imports import import_learners
from lrs.learners.matching_adapter import active_parameters
from lrs.learners.models import MatchingModel
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import service_desk_system_actor
from lrs.synthetic import generate_register
from lrs.synthetic.csv_io import personal_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_browser(signed_in, make_user) -> Client:
    desk = acting_organisation(service_desk_system_actor(channel=Channel.CLI))
    return signed_in(make_user(desk, ["operator"]))


@pytest.fixture
def loaded(system_actor: Actor) -> None:
    rows = (
        {"ULN": person.uln, **personal_fields(person)} for person in generate_register(300, seed=5)
    )
    import_learners(rows=rows, actor=system_actor)


def _page(browser: Client, name: str, *args: Any) -> str:
    response = browser.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_a_fit_is_queued_from_the_page_run_by_the_worker_and_not_switched_on(
    desk_browser: Client, loaded: None, django_capture_on_commit_callbacks: Any
) -> None:
    assert "has not been fitted from this register yet" in _page(
        desk_browser, "portal:matching-model"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = desk_browser.post(reverse("portal:matching-model"), {"with_decisions": "1"})
    assert response.status_code == 302
    run = MatchingFitRun.objects.get()
    assert run.with_decisions
    assert run.state == "queued"
    # Asking again while it waits queues nothing more.
    desk_browser.post(reverse("portal:matching-model"), {"with_decisions": "1"})
    assert MatchingFitRun.objects.count() == 1

    assert run_next_queued_fit()
    run.refresh_from_db()
    assert run.state == "finished"
    assert run.model is not None
    page = _page(desk_browser, "portal:matching-model")
    assert f"Version {run.model.pk}" in page
    assert reverse("portal:matching-model-version", args=[run.model.pk]) in page
    assert active_parameters()[0] is None  # never switched on by itself


def test_the_report_shows_the_weights_and_switching_is_audited(
    desk_browser: Client, loaded: None, system_actor: Actor
) -> None:
    model = fit_now(actor=system_actor).model
    assert model is not None
    page = _page(desk_browser, "portal:matching-model-version", model.pk)
    assert "Not in use: searches use the shipped defaults." in page
    assert f"Switch searches to version {model.pk}" in page
    # Every comparison level's weight is listed, with the fitted value as the report gives it.
    report = desk_browser.get(reverse("portal:matching-model-version", args=[model.pk]))
    weights = report.context["report"].weights
    assert len(weights) > 20
    family_exact = next(w for w in weights if (w.row, w.verdict) == ("family_name", "exact"))
    assert f"{family_exact.fitted:.2f}" in page

    response = desk_browser.post(
        reverse("portal:matching-model-switch"), {"version": str(model.pk)}
    )
    assert response.status_code == 302
    assert active_parameters()[0] == model.pk
    assert "In use" in _page(desk_browser, "portal:matching-model-version", model.pk)
    desk_browser.post(reverse("portal:matching-model-switch"), {"version": "default"})
    assert active_parameters()[0] is None

    switches = AuditEvent.objects.filter(action=AuditAction.MATCHING_MODEL_SWITCHED).order_by("pk")
    assert [(e.details["version"], e.details["previous"]) for e in switches] == [
        (model.pk, None),
        (None, model.pk),
    ]
    assert {e.channel for e in switches} == {Channel.PORTAL}


def test_an_unknown_version_is_not_found(desk_browser: Client) -> None:
    assert desk_browser.get(reverse("portal:matching-model-version", args=[999])).status_code == 404
    response = desk_browser.post(reverse("portal:matching-model-switch"), {"version": "999"})
    assert response.status_code == 404
    assert (
        desk_browser.post(reverse("portal:matching-model-switch"), {"version": "x"}).status_code
        == 404
    )
    assert not MatchingModel.objects.filter(active=True).exists()


def test_other_roles_are_refused(signed_in, registrar, loaded: None, system_actor: Actor) -> None:
    model = fit_now(actor=system_actor).model
    assert model is not None
    browser = signed_in(registrar.user)
    assert browser.get(reverse("portal:matching-model")).status_code == 403
    assert browser.get(reverse("portal:matching-model-version", args=[model.pk])).status_code == 403
    assert browser.post(reverse("portal:matching-model"), {}).status_code == 403
    response = browser.post(reverse("portal:matching-model-switch"), {"version": str(model.pk)})
    assert response.status_code == 403
    assert MatchingFitRun.objects.count() == 1  # the desk's own fit only
    assert not MatchingModel.objects.filter(active=True).exists()
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_REFUSED).count() == 4


def test_the_command_switch_is_audited_too(loaded: None, system_actor: Actor) -> None:
    from django.core.management import call_command

    model = fit_now(actor=system_actor).model
    assert model is not None
    call_command("fit_matching", "--use", str(model.pk))
    (event,) = AuditEvent.objects.filter(action=AuditAction.MATCHING_MODEL_SWITCHED)
    assert event.details == {"version": model.pk, "previous": None}
    assert event.channel == Channel.CLI
