from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from lrs.core.actor import Channel
from lrs.organisations.models import User
from lrs.organisations.second_factor import enrol_on_behalf, second_factor_required
from lrs.organisations.services import service_desk_system_actor
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
        if second_factor_required(user):
            # Super users and operators have given their second factor's code this session.
            enrol_on_behalf(actor=service_desk_system_actor(channel=Channel.CLI), user=user)
            device = TOTPDevice.objects.get(user=user, confirmed=True)
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return _sign_in
