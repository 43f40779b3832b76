"""Verify learner (role VLD): one look-up of a ULN and the learner's details.

The answer (response code, each detail's verdict, failure flags) is the service's
(`lrs.learners.verify`); this page shows it, or the service's refusal.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from lrs.core.actor import Actor
from lrs.core.errors import DomainError, ValidationFailed
from lrs.core.roles import Permission
from lrs.learners.choices import Gender
from lrs.learners.verify import (
    FLAG_DESCRIPTIONS,
    VERIFIED_FIELDS,
    FieldVerdict,
    VerifyRequest,
    VerifyResult,
    verify_learner,
)
from lrs.portal.access import add_domain_errors, requires
from lrs.portal.forms.verify import VerifyLearnerForm

FIELD_LABELS = {
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "date_of_birth": _("Date of birth"),
    "gender": _("Gender"),
    "postcode": _("Postcode"),
}
VERDICT_LABELS = {
    FieldVerdict.MATCHES: _("Matches"),
    FieldVerdict.SIMILAR: _("Matches one of the learner's other names"),
    FieldVerdict.DIFFERS: _("Does not match"),
    FieldVerdict.NOT_COMPARED: _("Not compared"),
}


def _rows(result: VerifyResult) -> list[dict[str, Any]]:
    searched = result.searched
    entered: dict[str, Any] = {
        "given_name": searched.given_name,
        "family_name": searched.family_name,
        "date_of_birth": searched.date_of_birth,
        "gender": Gender(searched.gender).label,
        "postcode": searched.postcode,
    }
    return [
        {
            "label": FIELD_LABELS[name],
            "entered": entered[name],
            "is_date": name == "date_of_birth",
            "verdict": result.fields[name].value,
            "verdict_label": VERDICT_LABELS[result.fields[name]],
        }
        for name in VERIFIED_FIELDS
        if name in result.fields
    ]


@requires(Permission.VERIFY_LEARNER)
def verify_learner_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = VerifyLearnerForm(request.POST or None)
    result = None
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = verify_learner(
                actor=actor,
                request=VerifyRequest(
                    uln=data["uln"],
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    date_of_birth=data["date_of_birth"],
                    gender=data["gender"],
                    postcode=data["postcode"],
                ),
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        except DomainError as exc:
            refusal = exc.message
    context = {
        "form": form,
        "result": result,
        "rows": _rows(result) if result else [],
        "flags": [
            {"code": flag.value, "name": flag.real_name, "text": FLAG_DESCRIPTIONS[flag]}
            for flag in (result.failure_flags if result else ())
        ],
        "refusal": refusal,
    }
    return render(request, "portal/verify/verify_learner.html", context)


urlpatterns = [
    path("verify-learner/", verify_learner_view, name="verify-learner"),
]
