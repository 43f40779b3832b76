"""Demo organisations, users, tokens and learners for `lrs demo`.

The demo composes the apps through their services, as the system's own actor on the command
line: every row it writes is audited like any other.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from django.db import transaction

from lrs.core.actor import Channel
from lrs.learners.imports import import_learners
from lrs.learners.models import Learner
from lrs.organisations.models import OrganisationType
from lrs.organisations.services import (
    SERVICE_DESK_UKPRN,
    AccountDetails,
    create_organisation,
    create_user,
    issue_api_token,
    service_desk_system_actor,
)
from lrs.organisations.signin import set_secret_question
from lrs.synthetic import generate_register, personal_fields


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    roles: str
    organisation: str
    token: str


@dataclass(frozen=True)
class DemoData:
    logins: list[DemoLogin]
    learner_count: int
    sample_search: str


_ORGANISATIONS = [
    ("10034567", "Riverside College", OrganisationType.COLLEGE, "super,batch,online,view,plr,vld"),
    ("10045678", "Ysgol Gyfun Glan Afon", OrganisationType.SCHOOL, "super,batch,online,view"),
]
_USERS = [
    ("10034567", "rcollege.online", "online,plr", "Priya", "Shah"),
    ("10034567", "rcollege.viewer", "view", "Tom", "Baker"),
    ("10034567", "rcollege.super", "super", "Grace", "Okafor"),
    ("10045678", "ysgol.online", "online", "Rhys", "Williams"),
    ("10045678", "ysgol.super", "super", "Catrin", "Morgan"),
    (SERVICE_DESK_UKPRN, "servicedesk.operator", "operator", "Sam", "Patel"),
]
# Demo users have chosen their password and secret question already, so signing in asks only
# for the user agreement (as every sign-in does).
DEMO_SECRET_QUESTION = "first_pet"  # noqa: S105 - demo data, printed for the user
DEMO_SECRET_ANSWER = "rover"  # noqa: S105 - demo data, printed for the user


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
    organisations[SERVICE_DESK_UKPRN] = actor.organisation
    logins = []
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
        logins.append(
            DemoLogin(
                username=username,
                password=password,
                roles=roles,
                organisation=str(organisations[ukprn]),
                token=issue_api_token(actor=actor, user=user, name="demo").raw,
            )
        )
    rows = (
        {
            "ULN": person.uln,
            **personal_fields(person),
            "VerificationType": "1",
            "AbilityToShare": "1",
        }
        for person in generate_register(learners, seed=2026)
    )
    import_learners(rows=rows, actor=actor)
    sample = Learner.objects.order_by("id").first()
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
        logins=logins, learner_count=Learner.objects.count(), sample_search=sample_search
    )
