"""Achievement files in the portal (awarding organisations): upload, progress, output file.

The file goes through the batch machinery as the upload kind "achievements"
(`lrs.plr.achievement_batches`): the workers record its rows with the one achievement service,
and the output file gives each row's outcome.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header

from lrs.batches.models import Batch, BatchStatus
from lrs.batches.selectors import get_batch, list_batches, read_output
from lrs.batches.services import submit_upload
from lrs.core.actor import Actor
from lrs.core.errors import Conflict, NotFound, ValidationFailed
from lrs.core.roles import Permission
from lrs.plr.achievement_batches import KIND, achievement_counts, progress_text
from lrs.portal.access import requires
from lrs.portal.forms.plr import UploadAchievementsForm
from lrs.portal.pagination import paginate

_TAGS = {
    BatchStatus.QUEUED: "govuk-tag--grey",
    BatchStatus.PROCESSING: "govuk-tag--blue",
    BatchStatus.COMPLETE: "govuk-tag--green",
}


def _line(batch: Batch) -> dict[str, Any]:
    counts = achievement_counts(batch)
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


@requires(Permission.SUBMIT_ACHIEVEMENTS)
def achievement_files_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = UploadAchievementsForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = submit_upload(
                actor=actor, file_name=form.file_name(), content=form.upload(), kind=KIND
            )
        except ValidationFailed as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("portal:achievement-file", batch_id=batch.pk)
    page, pagination = paginate(
        request, list_batches(actor, permission=Permission.SUBMIT_ACHIEVEMENTS), 20
    )
    context = {
        "form": form,
        "files": [_line(batch) for batch in page.object_list],
        "pagination": pagination,
    }
    return render(request, "portal/plr/achievement_files.html", context)


@requires(Permission.SUBMIT_ACHIEVEMENTS)
def achievement_file_view(request: HttpRequest, actor: Actor, batch_id: int) -> HttpResponse:
    try:
        batch = get_batch(actor, batch_id, permission=Permission.SUBMIT_ACHIEVEMENTS)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "portal/plr/achievement_file.html", _line(batch))


@requires(Permission.SUBMIT_ACHIEVEMENTS)
def achievement_output_view(request: HttpRequest, actor: Actor, batch_id: int) -> HttpResponse:
    try:
        output = read_output(actor, batch_id, permission=Permission.SUBMIT_ACHIEVEMENTS)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except Conflict:
        return redirect("portal:achievement-file", batch_id=batch_id)
    response = HttpResponse(output.content, content_type=output.content_type)
    response.headers["Content-Disposition"] = content_disposition_header(True, output.file_name)
    return response


urlpatterns = [
    path("achievements/", achievement_files_view, name="achievement-files"),
    path("achievements/<int:batch_id>/", achievement_file_view, name="achievement-file"),
    path("achievements/<int:batch_id>/output/", achievement_output_view, name="achievement-output"),
]
