"""Who may open a learner's record: the organisations that know the learner (ADR 2).

The relation is written by the services that introduce an organisation to a learner and read
by one selector, `is_known_to_organisation`; the audit trail plays no part.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction, record_audit
from lrs.core.models import AuditEvent
from lrs.learners.details import LearnerDetails, SearchDetails
from lrs.learners.errors import LearnerNotFound
from lrs.learners.imports import import_learners
from lrs.learners.models import KnownBy, KnownLearner, Learner
from lrs.learners.selectors import (
    find_learner_by_uln,
    get_learner,
    is_known_to_organisation,
    search_learners,
    search_learners_many,
)
from lrs.learners.services import register_learner, update_learner
from lrs.matching import MatchKind
from lrs.organisations.models import Organisation, User

pytestmark = pytest.mark.django_db

MakeDetails = Callable[..., LearnerDetails]


def known_by(organisation: Any) -> dict[str, str]:
    """{uln: how} of the learners the organisation knows."""
    return dict(
        KnownLearner.objects.filter(organisation_id=organisation.pk).values_list(
            "learner__uln", "how"
        )
    )


def search_for(details: LearnerDetails) -> SearchDetails:
    return SearchDetails.from_learner_details(details)


@pytest.fixture
def megan(online_actor: Actor, details: MakeDetails) -> Learner:
    learner = register_learner(details=details(), actor=online_actor).learner
    assert learner is not None
    return learner


def test_registering_makes_the_learner_known(megan: Learner, online_actor: Actor) -> None:
    assert known_by(online_actor.organisation) == {megan.uln: KnownBy.REGISTERED}
    assert is_known_to_organisation(learner=megan, actor=online_actor)


def test_another_organisation_does_not_know_the_learner(
    megan: Learner, school_actor: Actor
) -> None:
    assert not is_known_to_organisation(learner=megan, actor=school_actor)
    with pytest.raises(LearnerNotFound):
        get_learner(uln=megan.uln, actor=school_actor)


def test_finding_by_uln_and_names_makes_the_learner_known(
    megan: Learner, school_actor: Actor
) -> None:
    find_learner_by_uln(
        uln=megan.uln, given_name="Megan", family_name="Pritchard", actor=school_actor
    )

    assert known_by(school_actor.organisation) == {megan.uln: KnownBy.FOUND_BY_ULN}
    assert get_learner(uln=megan.uln, actor=school_actor) == megan


def test_a_uln_with_wrong_names_makes_nothing_known(megan: Learner, school_actor: Actor) -> None:
    with pytest.raises(LearnerNotFound):
        find_learner_by_uln(
            uln=megan.uln, given_name="Ffion", family_name="Pritchard", actor=school_actor
        )

    assert known_by(school_actor.organisation) == {}


def test_every_learner_a_search_shows_becomes_known(
    online_actor: Actor, school_actor: Actor, details: MakeDetails
) -> None:
    twins = [
        register_learner(
            details=details(given_name=name, middle_other_name=""),
            actor=online_actor,
            confirm_not_possible_match=True,
        ).learner
        for name in ("Megan", "Ffion")
    ]

    outcome = search_learners(
        details=search_for(details(given_name="Meg", middle_other_name="")), actor=school_actor
    )

    assert {match.learner for match in outcome.matches} <= set(twins)
    assert known_by(school_actor.organisation) == {
        match.learner.uln: KnownBy.SEARCH_RESULT for match in outcome.matches
    }
    assert outcome.matches


def test_too_many_matches_show_no_learner_and_make_none_known(
    online_actor: Actor, school_actor: Actor, details: MakeDetails
) -> None:
    postcodes = [
        "CF10 1AA", "CF11 6BB", "CF14 2DD", "CF23 5EE", "CF24 3FF", "CF3 4GG",
        "CF5 2HH", "CF15 7JJ", "CF62 4LL", "CF64 1NN", "CF72 8PP", "CF83 1QQ",
    ]  # fmt: skip
    for postcode in postcodes:
        register_learner(
            details=details(
                given_name="Emily", family_name="Jones", middle_other_name="",
                last_known_postcode=postcode, date_of_birth=datetime.date(2009, 1, 1),
            ),
            actor=online_actor,
            confirm_not_possible_match=True,
        )  # fmt: skip

    outcome = search_learners(
        details=SearchDetails(
            given_name="Emily",
            family_name="Jones",
            date_of_birth=datetime.date(2009, 1, 1),
            gender="2",
            last_known_postcode="ZZ99 9ZZ",
        ),
        actor=school_actor,
    )

    assert outcome.kind is MatchKind.TOO_MANY
    assert known_by(school_actor.organisation) == {}


def test_the_possible_matches_a_registration_shows_become_known(
    megan: Learner, school_actor: Actor, details: MakeDetails
) -> None:
    result = register_learner(
        details=details(given_name="Meg", email_address="meg@example.org"), actor=school_actor
    )

    assert megan in result.search.learners
    assert known_by(school_actor.organisation) == {megan.uln: KnownBy.SEARCH_RESULT}


def test_the_first_introduction_is_kept(
    megan: Learner, online_actor: Actor, school_actor: Actor
) -> None:
    first = KnownLearner.objects.get(organisation=online_actor.organisation.pk, learner=megan)
    find_learner_by_uln(
        uln=megan.uln, given_name="Megan", family_name="Pritchard", actor=online_actor
    )
    update_learner(uln=megan.uln, version_number=1, changes={"notes": "x"}, actor=online_actor)

    again = KnownLearner.objects.get(organisation=online_actor.organisation.pk, learner=megan)
    assert (again.how, again.since) == (KnownBy.REGISTERED, first.since)
    assert KnownLearner.objects.count() == 1


def test_the_service_desk_opens_any_record_without_knowing_it(
    megan: Learner, system_actor: Actor
) -> None:
    operator = Actor(user=system_actor.user, channel=Channel.PORTAL)

    assert get_learner(uln=megan.uln, actor=operator) == megan
    assert known_by(operator.organisation) == {}


def test_an_import_makes_its_learners_known_to_the_importer(system_actor: Actor) -> None:
    import_learners(
        rows=[
            {
                "ULN": "1000000043",
                "GivenName": "Siân",
                "FamilyName": "O'Brien",
                "DateOfBirth": "2009-04-12",
                "Gender": "2",
                "LastKnownPostCode": "CF10 3AT",
            }
        ],
        actor=system_actor,
    )

    assert known_by(system_actor.organisation) == {"1000000043": KnownBy.IMPORTED}


def test_an_audit_row_alone_opens_no_record(megan: Learner, school_actor: Actor) -> None:
    """A new audited action (a PLR view, a challenge) can't change who may open a record."""
    for action in AuditAction:
        record_audit(actor=school_actor, action=action, learner=megan)

    assert not is_known_to_organisation(learner=megan, actor=school_actor)


def test_a_batch_chunks_searches_are_recorded_in_one_statement(
    online_actor: Actor, college: Organisation, make_user: Callable[..., User], details: Any
) -> None:
    names = ["Megan", "Ffion", "Osian", "Harri", "Catrin", "Rhys"]
    for name in names:
        register_learner(
            details=details(given_name=name, middle_other_name=""),
            actor=online_actor,
            confirm_not_possible_match=True,
        )
    batch_actor = Actor(user=make_user(college, ["batch"]), channel=Channel.BATCH)
    KnownLearner.objects.all().delete()

    with CaptureQueriesContext(connection) as queries:
        results = search_learners_many(
            searches=[search_for(details(given_name=name, middle_other_name="")) for name in names],
            actor=batch_actor,
        )

    shown = {
        match.learner.pk
        for outcome in results
        if not isinstance(outcome, Exception)
        for match in outcome.matches
    }
    table = KnownLearner._meta.db_table
    writes = [query for query in queries if f'INTO "{table}"' in query["sql"]]
    assert len(writes) == 1
    assert set(KnownLearner.objects.values_list("learner_id", flat=True)) == shown
    assert len(shown) == len(names)


def test_the_migration_copies_who_knew_whom_from_the_audit_trail(
    megan: Learner, online_actor: Actor, school_actor: Actor, view_actor: Actor
) -> None:
    find_learner_by_uln(
        uln=megan.uln, given_name="Megan", family_name="Pritchard", actor=school_actor
    )
    record_audit(actor=view_actor, action=AuditAction.LEARNER_VIEWED, learner=megan)
    record_audit(actor=school_actor, action=AuditAction.LEARNER_UPDATED, learner=megan)
    first_seen = {
        organisation: AuditEvent.objects.filter(organisation_id=organisation, learner_id=megan.pk)
        .earliest("id")
        .occurred_at
        for organisation in (online_actor.organisation.pk, school_actor.organisation.pk)
    }
    KnownLearner.objects.all().delete()

    migration = importlib.import_module("lrs.learners.migrations.0003_known_learners")
    migration.copy_from_audit(_CurrentApps(), _Editor())

    copied = {
        row.organisation_id: (row.how, row.since)
        for row in KnownLearner.objects.filter(learner=megan)
    }
    assert copied == {
        online_actor.organisation.pk: ("registered", first_seen[online_actor.organisation.pk]),
        school_actor.organisation.pk: ("found_by_uln", first_seen[school_actor.organisation.pk]),
    }


class _CurrentApps:
    """The migration's `apps`, answered with today's models (their tables are the same)."""

    def get_model(self, app_label: str, model_name: str) -> Any:
        from django.apps import apps

        return apps.get_model(app_label, model_name)


class _Editor:
    """What the migration uses of its schema editor, inside the test's transaction."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
