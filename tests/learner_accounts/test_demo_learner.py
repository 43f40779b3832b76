"""`lrs demo` prints a learner login whose record has events, a sensitive one, and looks by
organisations in its access log."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from lrs.learner_accounts.selectors import access_log_rows, my_events
from lrs.learner_accounts.services import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_prints_a_learner_login_with_a_story() -> None:
    out = io.StringIO()
    call_command("demo", "--learners", "60", "--no-serve", stdout=out, stderr=io.StringIO())
    login = re.search(r"^  (learner@example\.org)\s+(Demo-\S+)\s+\d{10}", out.getvalue(), re.M)
    assert login is not None
    account = sign_in(email=login.group(1), password=login.group(2))
    events = my_events(account.learner)
    assert events.count() >= 2
    assert events.filter(sensitive=True).exists()
    who = {row.organisation_name for row in access_log_rows(account.learner)}
    assert "Riverside College" in who
    assert "/learner/" in out.getvalue()
