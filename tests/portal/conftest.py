from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from lrs.organisations.models import User
from lrs.organisations.signin import set_secret_question
from lrs.portal.middleware import AGREEMENT_SESSION_KEY


def make_ready(user: User) -> User:
    """A user past the first-sign-in steps: own password, secret question set."""
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
    set_secret_question(user=user, question="first_pet", answer="Rover")
    return user


@pytest.fixture
def signed_in() -> Callable[[User], Client]:
    """A browser signed in as the user, with the agreement accepted for this session."""

    def _sign_in(user: User) -> Client:
        make_ready(user)
        client = Client()
        client.force_login(user)
        session = client.session
        session[AGREEMENT_SESSION_KEY] = True
        session.save()
        return client

    return _sign_in
