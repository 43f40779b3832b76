"""Demo organisations, users, tokens and learners for `lrs demo`.

The demo composes the apps through their services, as the system's own actor on the command
line: every row it writes is audited like any other.
"""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from lrs.core.actor import Actor, Channel
from lrs.identifiers import generate_uln
from lrs.learner_accounts.services import create_account
from lrs.learners.imports import import_learners
from lrs.learners.models import Learner
from lrs.learners.selectors import find_learner_by_uln
from lrs.learners.verify import VerifyRequest, verify_learner
from lrs.organisations.models import Organisation, OrganisationType, User
from lrs.organisations.second_factor import enrol_on_behalf, second_factor_required
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import (
    SERVICE_DESK_UKPRN,
    AccountDetails,
    create_organisation,
    create_user,
    issue_api_token,
    service_desk_system_actor,
)
from lrs.organisations.signin import set_secret_question
from lrs.plr.demo_data import load_demo_achievements, load_demo_catalogue
from lrs.plr.models import LearningEvent
from lrs.plr.reports import create_plr_report
from lrs.plr.selectors import get_learner_learning_events
from lrs.plr.services import set_event_flags
from lrs.synthetic import generate_register, personal_fields


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    roles: str
    organisation: str
    token: str
    # Super users and the operator sign in with a second factor: the demo sets up their app's
    # secret (to add to an authenticator app) and prints one recovery code.
    second_factor_secret: str = ""
    recovery_code: str = ""


@dataclass(frozen=True)
class DemoData:
    logins: list[DemoLogin]
    learner_count: int
    sample_search: str
    # The PLR story: a learner with events from every source, and one who has not agreed to
    # share ("ULN given family"), for the PLR viewer to find; the events loaded.
    plr_learner: str = ""
    not_shared_learner: str = ""
    learning_events: int = 0
    # The learner portal: the PLR learner's own login (email, password).
    learner_email: str = ""
    learner_password: str = ""


_ORGANISATIONS = [
    ("10034567", "Riverside College", OrganisationType.COLLEGE, "super,batch,online,view,plr,vld"),
    ("10045678", "Ysgol Gyfun Glan Afon", OrganisationType.SCHOOL, "super,batch,online,view"),
    ("10099001", "Example Awarding Body", OrganisationType.AWARDING_ORGANISATION, "super,ao"),
]
_USERS = [
    ("10034567", "rcollege.online", "online,plr", "Priya", "Shah"),
    ("10034567", "rcollege.viewer", "view", "Tom", "Baker"),
    ("10034567", "rcollege.plr", "plr", "Nia", "Roberts"),
    ("10034567", "rcollege.verify", "vld", "Owen", "Jenkins"),
    ("10034567", "rcollege.super", "super", "Grace", "Okafor"),
    ("10034567", "rcollege.batch", "batch", "Dafydd", "Hughes"),
    ("10045678", "ysgol.online", "online", "Rhys", "Williams"),
    ("10045678", "ysgol.super", "super", "Catrin", "Morgan"),
    ("10099001", "eab.awards", "ao", "Alun", "Griffiths"),
    (SERVICE_DESK_UKPRN, "servicedesk.operator", "operator", "Sam", "Patel"),
]
# The learner the README's API example finds (issue 19 item 17): loaded after the synthetic
# register, so an exact match for her details.
README_LEARNER = {
    "GivenName": "Megan",
    "MiddleOtherName": "Eleri",
    "FamilyName": "Pritchard",
    "DateOfBirth": "2009-04-12",
    "Gender": "2",
    "LastKnownPostCode": "CF10 3AT",
    "VerificationType": "1",
    "AbilityToShare": "1",
}
# Learners with PLR demo data: the first ones loaded.
PLR_LEARNERS = 400
# Demo users have chosen their password and secret question already, so signing in asks only
# for the user agreement (as every sign-in does).
DEMO_SECRET_QUESTION = "first_pet"  # noqa: S105 - demo data, printed for the user
DEMO_SECRET_ANSWER = "rover"  # noqa: S105 - demo data, printed for the user


def database_contents() -> str:
    """What the database holds that a demo would replace, in words; "" when it holds nothing.

    The service desk's own organisation and system user alone are nothing to lose.
    """
    organisations = Organisation.objects.exclude(ukprn=SERVICE_DESK_UKPRN).count()
    learners = Learner.objects.count()
    if not organisations and not learners:
        return ""
    return f"{organisations} organisation(s), {learners} learner(s)"


def _password() -> str:
    return "Demo-" + secrets.token_hex(4) + "x"


@transaction.atomic
def load_demo_data(*, learners: int = 5000) -> DemoData:
    """Create the demo organisations and users and load synthetic learners."""
    actor = service_desk_system_actor(channel=Channel.CLI)
    organisations = {
        ukprn: create_organisation(
            actor=actor,
            ukprn=ukprn,
            name=name,
            organisation_type=kind,
            granted_roles=roles.split(","),
        )
        for ukprn, name, kind, roles in _ORGANISATIONS
    }
    organisations[SERVICE_DESK_UKPRN] = acting_organisation(actor)
    logins = []
    users = {}
    for ukprn, username, roles, given_name, family_name in _USERS:
        password = _password()
        user = create_user(
            actor=actor,
            organisation=organisations[ukprn],
            username=username,
            roles=roles.split(","),
            password=password,
            must_change_password=False,
            details=AccountDetails(
                given_name=given_name,
                family_name=family_name,
                email=f"{username}@example.org",
                verification_provided="",
            ),
        ).user
        set_secret_question(user=user, question=DEMO_SECRET_QUESTION, answer=DEMO_SECRET_ANSWER)
        users[username] = user
        second_factor = (
            enrol_on_behalf(actor=actor, user=user) if second_factor_required(user) else None
        )
        logins.append(
            DemoLogin(
                username=username,
                password=password,
                roles=roles,
                organisation=str(organisations[ukprn]),
                token=issue_api_token(actor=actor, user=user, name="demo").raw,
                second_factor_secret=second_factor.secret if second_factor else "",
                recovery_code=second_factor.recovery_codes[0] if second_factor else "",
            )
        )
    rows = (
        {
            "ULN": person.uln,
            **personal_fields(person),
            "VerificationType": "1",
            # The second learner has not seen the privacy notice: no organisation sees its PLR.
            "AbilityToShare": "0" if number == 1 else "1",
        }
        for number, person in enumerate(generate_register(learners, seed=2026))
    )
    readme_learner = {"ULN": generate_uln(), **README_LEARNER}
    import_learners(rows=itertools.chain(rows, [readme_learner]), actor=actor)
    sample = Learner.objects.order_by("id").first()
    plr = _load_plr(actor=actor, awarding_user=users["eab.awards"], organisations=organisations)
    first = Learner.objects.order_by("id").first()
    if first is not None and plr["learning_events"]:
        plr.update(_load_learner_portal(operator=actor, users=users, learner=first))
    sample_search = json.dumps(
        {
            "given_name": sample.given_name if sample else "Megan",
            "family_name": sample.family_name if sample else "Jones",
            "date_of_birth": sample.date_of_birth.isoformat() if sample else "2009-04-12",
            "gender": sample.gender if sample else "2",
            "last_known_postcode": sample.last_known_postcode if sample else "CF10 1AA",
        }
    )
    return DemoData(
        logins=logins,
        learner_count=Learner.objects.count(),
        sample_search=sample_search,
        **plr,
    )


LEARNER_EMAIL = "learner@example.org"


def _load_learner_portal(
    *, operator: Actor, users: dict[str, User], learner: Learner
) -> dict[str, str]:
    """The PLR learner's own account, a sensitive event on the record, and organisations' looks
    at it (a find, the PLR, a report, a verify learner look-up) for the access log."""
    events = LearningEvent.objects.filter(learner=learner).order_by("id")
    if not events.filter(sensitive=True).exists() and events.count() > 1:
        set_event_flags(actor=operator, event=events.last(), sensitive=True)  # type: ignore[arg-type]
    viewer = Actor(user=users["rcollege.plr"], channel=Channel.PORTAL)
    find_learner_by_uln(
        uln=learner.uln,
        given_name=learner.given_name,
        family_name=learner.family_name,
        actor=viewer,
    )
    get_learner_learning_events(uln=learner.uln, actor=viewer)
    create_plr_report(uln=learner.uln, actor=viewer, event_ids=None)
    verify_learner(
        actor=Actor(user=users["rcollege.verify"], channel=Channel.API),
        request=VerifyRequest(
            uln=learner.uln,
            given_name=learner.given_name,
            family_name=learner.family_name,
            date_of_birth=learner.date_of_birth,
            gender=learner.gender,
        ),
    )
    password = _password()
    create_account(email=LEARNER_EMAIL, learner=learner, password=password)
    return {"learner_email": LEARNER_EMAIL, "learner_password": password}


def _describe(learner: Learner | None) -> str:
    return f"{learner.uln} {learner.given_name} {learner.family_name}" if learner else ""


def _load_plr(
    *, actor: Actor, awarding_user: User, organisations: dict[str, Organisation]
) -> dict[str, Any]:
    """The qualification catalogue and achievements of the first learners (lrs.plr)."""
    catalogue = load_demo_catalogue(operator=actor, awarding_organisation=organisations["10099001"])
    learners = list(Learner.objects.order_by("id")[:PLR_LEARNERS])
    story = load_demo_achievements(
        operator=actor,
        awarding_actor=Actor(user=awarding_user, channel=Channel.API),
        learners=learners,
        catalogue=catalogue,
    )
    return {
        "plr_learner": _describe(learners[0] if learners else None),
        "not_shared_learner": _describe(learners[1] if len(learners) > 1 else None),
        "learning_events": story.events,
    }
