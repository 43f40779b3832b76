"""Verify learner (role VLD): one look-up of a ULN and the learner's details.

The answer (response code, each detail's verdict, failure flags) is the service's
(`lrs.learners.verify`); this page shows it, or the service's refusal.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from lrs.batches.models import Batch, BatchStatus
from lrs.batches.selectors import get_batch, list_batches, read_output
from lrs.batches.services import submit_upload
from lrs.batches.verify_files import KIND, progress_text, verify_counts
from lrs.core.actor import Actor
from lrs.core.errors import Conflict, DomainError, NotFound, TooManyRequests, ValidationFailed
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
from lrs.portal.forms.verify import UploadVerifyFileForm, VerifyLearnerForm
from lrs.portal.pagination import paginate
from lrs.portal.throttling import count_lookup, too_many_requests_page

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
            count_lookup(request, actor)
        except TooManyRequests as exc:
            return too_many_requests_page(request, exc)
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


# --- Verify files (the batch machinery's upload kind "verify") ---------------------------------

_TAGS = {
    BatchStatus.QUEUED: "govuk-tag--grey",
    BatchStatus.PROCESSING: "govuk-tag--blue",
    BatchStatus.COMPLETE: "govuk-tag--green",
}


def _line(batch: Batch) -> dict[str, Any]:
    counts = verify_counts(batch)
    return {
        "batch": batch,
        "counts": counts,
        "progress_text": progress_text(counts),
        "complete": batch.status == BatchStatus.COMPLETE,
        "status": {
            "label": BatchStatus(batch.status).label,
            "tag": _TAGS.get(BatchStatus(batch.status), "govuk-tag--grey"),
        },
    }


@requires(Permission.VERIFY_LEARNER)
def verify_files_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = UploadVerifyFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = submit_upload(
                actor=actor, file_name=form.file_name(), content=form.upload(), kind=KIND
            )
        except ValidationFailed as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("portal:verify-file", batch_id=batch.pk)
    page, pagination = paginate(
        request, list_batches(actor, permission=Permission.VERIFY_LEARNER), 20
    )
    context = {
        "form": form,
        "files": [_line(batch) for batch in page.object_list],
        "pagination": pagination,
    }
    return render(request, "portal/verify/verify_files.html", context)


@requires(Permission.VERIFY_LEARNER)
def verify_file_view(request: HttpRequest, actor: Actor, batch_id: int) -> HttpResponse:
    try:
        batch = get_batch(actor, batch_id, permission=Permission.VERIFY_LEARNER)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "portal/verify/verify_file.html", _line(batch))


@requires(Permission.VERIFY_LEARNER)
def verify_output_view(request: HttpRequest, actor: Actor, batch_id: int) -> HttpResponse:
    try:
        output = read_output(actor, batch_id, permission=Permission.VERIFY_LEARNER)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except Conflict:
        return redirect("portal:verify-file", batch_id=batch_id)
    response = HttpResponse(output.content, content_type=output.content_type)
    response.headers["Content-Disposition"] = content_disposition_header(True, output.file_name)
    return response


urlpatterns = [
    path("verify-learner/", verify_learner_view, name="verify-learner"),
    path("verify-learner/files/", verify_files_view, name="verify-files"),
    path("verify-learner/files/<int:batch_id>/", verify_file_view, name="verify-file"),
    path("verify-learner/files/<int:batch_id>/output/", verify_output_view, name="verify-output"),
]
