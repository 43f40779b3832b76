"""`lrs find-duplicates`: the duplicate finder from the command line, with its progress."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from lrs.challenges.models import DuplicateRun, SuspectedDuplicate

pytestmark = pytest.mark.django_db


def test_runs_the_finder_and_reports(register):
    register()
    register(given_name="Megn", last_known_postcode="SA1 1AA", middle_other_name="")
    out, err = io.StringIO(), io.StringIO()
    call_command("find_duplicates", "--now", stdout=out, stderr=err)
    assert "Compared 2 learners" in out.getvalue()
    assert "1 suspected pairs" in out.getvalue()
    assert "2/2 learners" in err.getvalue()
    assert SuspectedDuplicate.objects.count() == 1
    call_command("find_duplicates", "--now", stdout=out, stderr=err)
    assert DuplicateRun.objects.order_by("-pk")[0].processed == 0
