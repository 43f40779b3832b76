from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from lrs.organisations.models import User
from lrs.portal.middleware import AGREEMENT_SESSION_KEY
from tests.conftest import make_ready


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
