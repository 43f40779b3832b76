"""The matching model estimated from the register, stored as versions, used by searches."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from lrs.core.actor import Channel
from lrs.core.models import AuditEvent
from lrs.learners import matching_adapter
from lrs.learners.details import SearchDetails
from lrs.learners.imports import import_learners
from lrs.learners.matching_fit import activate, fit_matching_model, weight_report
from lrs.learners.models import MatchingModel
from lrs.learners.selectors import search_learners_many
from lrs.matching import DEFAULT_PARAMETERS
from lrs.organisations.services import service_desk_system_actor
from lrs.synthetic import generate_register, personal_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded() -> None:
    rows = (
        {"ULN": person.uln, **personal_fields(person)} for person in generate_register(600, seed=13)
    )
    import_learners(rows=rows, actor=service_desk_system_actor(channel=Channel.CLI))


def test_a_fit_is_stored_as_a_new_inactive_version(loaded: None) -> None:
    first = fit_matching_model()
    second = fit_matching_model(sample=300, seed=1)
    assert second.pk > first.pk
    assert not first.active
    assert not second.active
    assert first.fit["learners"] == 600
    assert second.fit["learners"] == 300
    assert first.fit["pairs"] > 0
    # The register's strangers set u: some weight moved from the shipped table.
    moved = [row for row in weight_report(first) if abs(row[2] - row[3]) > 0.1]
    assert moved
    # The prior is the searches', which register pairs cannot tell: the shipped one.
    assert first.parameters["prior"] == DEFAULT_PARAMETERS.prior
    assert matching_adapter.active_parameters() == (None, DEFAULT_PARAMETERS)


def test_searches_use_the_active_version_until_switched_back(loaded: None) -> None:
    model = fit_matching_model()
    activate(model.pk)
    version, params = matching_adapter.active_parameters()
    assert version == model.pk
    assert params is not DEFAULT_PARAMETERS
    assert params.weight("postcode", "exact") == pytest.approx(
        matching_adapter.parameters_of(model).weight("postcode", "exact")
    )
    other = fit_matching_model(sample=200)
    activate(other.pk)
    assert MatchingModel.objects.filter(active=True).get().pk == other.pk
    activate(None)
    assert matching_adapter.active_parameters() == (None, DEFAULT_PARAMETERS)


def test_a_search_is_decided_with_the_active_parameters(
    loaded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = fit_matching_model(sample=300)
    activate(model.pk)
    used = []
    real = matching_adapter.decide

    def recording(*args: object) -> object:
        used.append(args[3])
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(matching_adapter, "decide", recording)
    learner = matching_adapter.Learner.objects.order_by("pk").first()
    assert learner is not None
    person = matching_adapter.person_from(learner)
    matching_adapter.match_person(person)
    matching_adapter.match_people([person])
    active = matching_adapter.active_parameters()[1]
    assert used == [active, active]


def test_the_command_fits_reports_and_switches() -> None:
    rows = (
        {"ULN": person.uln, **personal_fields(person)} for person in generate_register(400, seed=14)
    )
    import_learners(rows=rows, actor=service_desk_system_actor(channel=Channel.CLI))
    out = io.StringIO()
    call_command("fit_matching", "--quiet", stdout=out)
    version = MatchingModel.objects.get().pk
    assert f"matching model version {version}, not active" in out.getvalue()
    assert "postcode" in out.getvalue()
    # The report gives the size of each term-frequency table and the time of each phase.
    assert "term frequencies: given_name 400 values" in out.getvalue()
    assert "date_of_birth 400 values" in out.getvalue()
    assert "postcode_district " in out.getvalue()
    assert "phases: reading the register" in out.getvalue()
    call_command("fit_matching", "--use", str(version), stdout=io.StringIO())
    assert matching_adapter.active_parameters()[0] == version
    with pytest.raises(CommandError, match="--jobs must be 1 or more"):
        call_command("fit_matching", "--quiet", "--jobs", "0", stdout=io.StringIO())
    report = io.StringIO()
    call_command("fit_matching", "--report", str(version), stdout=report)
    assert f"matching model version {version}, active" in report.getvalue()
    # Read back from the database (PostgreSQL reorders a JSON object's keys), in their order.
    assert "phases: reading the register" in report.getvalue()
    call_command("fit_matching", "--use", "default", stdout=io.StringIO())
    assert matching_adapter.active_parameters()[0] is None


def test_a_fit_stores_the_registers_name_frequencies(loaded: None) -> None:
    model = fit_matching_model(sample=200)
    stored = model.parameters["term_frequencies"]
    # Counted over the whole register, not the sample the pairs came from.
    assert stored["family_name"]["total"] == 600
    assert stored["given_name"]["total"] == 600
    params = matching_adapter.parameters_of(model)
    assert set(params.term_frequencies) == {
        "given_name",
        "family_name",
        "date_of_birth",
        "postcode_district",
    }
    assert stored["date_of_birth"]["total"] == 600
    assert 0 < stored["postcode_district"]["total"] <= 600  # ZZ99 and missing left out
    assert model.fit["term_frequency_tables"]["date_of_birth"]["values"] == 600
    commonest = max(stored["family_name"]["counts"].items(), key=lambda item: item[1])[0]
    # The register's commonest surname weighs less when it agrees than one seen once.
    assert params.term_frequency_bits("family_name", commonest) < params.term_frequency_bits(
        "family_name", "a-name-seen-once"
    )


def test_the_search_audit_names_the_model_version_that_decided(loaded: None) -> None:
    learner = matching_adapter.Learner.objects.order_by("pk").first()
    assert learner is not None
    actor = service_desk_system_actor(channel=Channel.CLI)
    search = SearchDetails(
        given_name=learner.given_name,
        family_name=learner.family_name,
        date_of_birth=learner.date_of_birth,
        gender=learner.gender,
        last_known_postcode=learner.last_known_postcode,
    )
    search_learners_many(searches=[search], actor=actor)
    first = AuditEvent.objects.filter(action="learner.searched").latest("id")
    assert first.details["model_version"] is None  # the shipped defaults
    model = fit_matching_model(sample=200)
    activate(model.pk)
    search_learners_many(searches=[search], actor=actor)
    second = AuditEvent.objects.filter(action="learner.searched").latest("id")
    assert second.details["model_version"] == model.pk
