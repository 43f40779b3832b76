"""`lrs demo` loads a PLR story: a catalogue on real QNs, achievements from every source."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.organisations.models import User
from lrs.plr.demo_data import real_qns
from lrs.plr.errors import PlrNotShared
from lrs.plr.models import LearningEvent, Qualification
from lrs.plr.selectors import get_learner_learning_events
from tests.plr.fixtures import found

pytestmark = pytest.mark.django_db


def test_the_demo_plr_story() -> None:
    out = io.StringIO()
    call_command("demo", "--learners", "80", "--no-serve", stdout=out, stderr=io.StringIO())
    output = out.getvalue()

    assert re.search(r"^  eab\.awards\s+Demo-\S+\s+roles=ao$", output, flags=re.MULTILINE)
    assert re.search(r"^  rcollege\.plr\s+Demo-\S+\s+roles=plr$", output, flags=re.MULTILINE)
    assert re.search(r"^  rcollege\.verify\s+Demo-\S+\s+roles=vld$", output, flags=re.MULTILINE)
    assert "As rcollege.verify, Verify a learner" in output
    assert Qualification.objects.count() == len(real_qns()) == 649
    assert not Qualification.objects.filter(title_is_invented=False).exists()
    assert not Qualification.objects.exclude(title__startswith="Example").exists()
    assert set(LearningEvent.objects.values_list("source", flat=True)) == {"AO", "ILR", "NPD"}
    assert LearningEvent.objects.filter(sensitive=True).exists()
    assert LearningEvent.objects.filter(under_challenge=True).count() == 1

    named = re.search(r"names: (\d{10}) (\S+) (\S+),", output.replace("\n  ", " "))
    not_shared = re.search(r"\(WSEC0206\): (\d{10})", output.replace("\n  ", " "))
    assert named is not None
    assert not_shared is not None
    story_uln, story_given, story_family = named.groups()
    not_shared_uln = not_shared.group(1)
    viewer = Actor(user=User.objects.get(username="rcollege.plr"), channel=Channel.PORTAL)
    story = found(Learner.objects.get(uln=story_uln), viewer)
    assert (story.given_name, story.family_name) == (story_given, story_family)
    assert get_learner_learning_events(uln=story_uln, actor=viewer).events.exists()
    found(Learner.objects.get(uln=not_shared_uln), viewer)
    with pytest.raises(PlrNotShared):
        get_learner_learning_events(uln=not_shared_uln, actor=viewer)
    # The demo's verify learner user verifies the story learner with their details.
    from lrs.learners.verify import VerifyRequest, verify_learner

    verifier = Actor(user=User.objects.get(username="rcollege.verify"), channel=Channel.PORTAL)
    learner = Learner.objects.get(uln=story_uln)
    answer = verify_learner(
        actor=verifier,
        request=VerifyRequest(
            uln=story_uln,
            given_name=learner.given_name,
            family_name=learner.family_name,
            date_of_birth=learner.date_of_birth,
            gender=learner.gender,
        ),
    )
    assert answer.response_code == "WSVRC001"
