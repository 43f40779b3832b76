"""The README's API example works on the demo data (issue 19 item 17): its requests, read from
the README itself, are sent to the API after `lrs demo` has loaded its data."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from lrs.settings import PROJECT_DIR

pytestmark = pytest.mark.django_db


def _api_example() -> str:
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Using the API", 1)[1]
    return section.split("```sh", 1)[1].split("```", 1)[0]


def test_the_readme_api_example_finds_its_learner_in_the_demo():
    example = _api_example()
    username = re.search(r"lrs token (\S+?)\)", example)
    body = re.search(r"-d '(.*?)'", example, flags=re.DOTALL)
    url = re.search(r"http://127\.0\.0\.1:8000(/api/v1/\S+)", example)
    assert username, example
    assert body, example
    assert url, example

    call_command("demo", "--learners", "40", "--no-serve", stdout=io.StringIO())
    out = io.StringIO()
    call_command("token", username.group(1), stdout=out)
    token = out.getvalue().strip()

    response = Client().post(
        url.group(1),
        data=json.loads(body.group(1)),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["response_code"] == "WSRC0004", answer
    (learner,) = answer["learners"]
    assert (learner["given_name"], learner["family_name"]) == ("Megan", "Pritchard")
