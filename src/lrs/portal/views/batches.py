"""Batch pages of the organisation portal: upload, progress, output files, exceptions.

A batch user (user guide 4.3 and Appendix A) uploads an LRB batch file (CSV or XML) or a
school's Common Transfer File, follows its progress while a worker processes it off the request
path, downloads the output file (for a CTF, the CTF with ULNs and the exceptions spreadsheet),
and resolves the rows that became exceptions within 45 days: choose one of the learners
offered, or register a new learner after a warning. Processed exceptions export as CSV.

Every page needs Permission.SUBMIT_BATCH and shows only the user's organisation's batches
(`lrs.batches.selectors`); another organisation's batch or exception is not found. Personal
details never appear in a URL: pages are addressed by batch and exception ids.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lrs.batches import return_codes as rc
from lrs.batches.csv_safety import safe_cell
from lrs.batches.file_templates import TEMPLATE_FORMATS, batch_file_template
from lrs.batches.messages import details_of
from lrs.batches.models import (
    EXCEPTION_LIFETIME,
    Batch,
    BatchException,
    BatchRow,
    BatchStatus,
    ExceptionStatus,
    FileFormat,
    SubmissionType,
)
from lrs.batches.selectors import (
    BatchCounts,
    BatchSpeed,
    OutputFile,
    batch_counts,
    batch_speed,
    candidate_learners,
    effective_status,
    get_batch,
    get_exception,
    list_batches,
    list_exceptions,
    read_ctf_exceptions,
    read_output,
)
from lrs.batches.services import resolve_by_choosing, resolve_by_registering, submit_upload
from lrs.batches.uploads import recognise_upload
from lrs.core.actor import Actor
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from lrs.core.roles import Permission
from lrs.learners.choices import Gender
from lrs.learners.columns import parse_date
from lrs.learners.match_reasons import evidence_from_data, match_reasons, match_strength_words
from lrs.learners.models import Learner
from lrs.organisations.selectors import acting_organisation
from lrs.portal.access import add_domain_errors, requires
from lrs.portal.forms.batches import ChooseLearnerForm, ConfirmForm, UploadBatchForm

BATCHES_PER_PAGE = 25
ROWS_PER_PAGE = 100
EXCEPTIONS_PER_PAGE = 50
OPEN = "open"
PROCESSED = "processed"
PROCESSED_STATUSES = (ExceptionStatus.MATCHED, ExceptionStatus.REGISTERED)
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

STATUS_TAGS = {
    BatchStatus.QUEUED: "govuk-tag--grey",
    BatchStatus.PROCESSING: "govuk-tag--blue",
    BatchStatus.COMPLETE: "govuk-tag--green",
}
EXCEPTION_TAGS = {
    ExceptionStatus.OPEN: "govuk-tag--yellow",
    ExceptionStatus.MATCHED: "govuk-tag--green",
    ExceptionStatus.REGISTERED: "govuk-tag--green",
    ExceptionStatus.EXPIRED: "govuk-tag--grey",
}
SHARED_ROWS_SHOWN = 20
OUTCOME_LABELS = {
    rc.Outcome.NEW: _("New learner"),
    rc.Outcome.FOUND: _("Found or updated"),
    rc.Outcome.POSSIBLE: _("Possible match"),
    rc.Outcome.NOT_FOUND: pgettext_lazy("learners counted", "Not found"),
    rc.Outcome.REJECTED: _("Rejected"),
}
SUBMISSION_TYPES = {
    SubmissionType.FULL: _("Find, else register (FUL)"),
    SubmissionType.CHECK: _("Find only (CHK)"),
}


# --- Shared helpers -----------------------------------------------------------------------------


def _batch_or_404(actor: Actor, batch_id: int) -> Batch:
    try:
        return get_batch(actor, batch_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _exception_or_404(actor: Actor, exception_id: int) -> BatchException:
    try:
        return get_exception(actor, exception_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _page_href(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


def _pagination(request: HttpRequest, page: Page[Any]) -> dict[str, Any] | None:
    """What the GOV.UK pagination component needs, keeping the page's other query values."""
    paginator = page.paginator
    if paginator.num_pages <= 1:
        return None
    items: list[dict[str, Any]] = []
    for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == Paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append(
                {
                    "number": number,
                    "href": _page_href(request, int(number)),
                    "current": number == page.number,
                }
            )
    return {
        "previous": _page_href(request, page.previous_page_number()) if page.has_previous() else "",
        "next": _page_href(request, page.next_page_number()) if page.has_next() else "",
        "items": items,
    }


def _paginate(
    request: HttpRequest, items: Sequence[Any] | QuerySet[Any], per_page: int
) -> tuple[Page[Any], dict[str, Any] | None]:
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    return page, _pagination(request, page)


def _progress_text(counts: BatchCounts, speed: BatchSpeed | None = None) -> str:
    text = ngettext(
        "%(done)d of %(total)d row processed (%(percent)d%%)",
        "%(done)d of %(total)d rows processed (%(percent)d%%)",
        counts.total,
    ) % {"done": counts.done, "total": counts.total, "percent": counts.percent_done}
    if speed is None:
        return text
    return gettext("%(progress)s: %(rate)d rows a second, %(left)s left") % {
        "progress": text,
        "rate": round(speed.rows_per_second),
        "left": _time_left(speed.seconds_left),
    }


def _time_left(seconds: int) -> str:
    if seconds < 60:
        return ngettext("about %(n)d second", "about %(n)d seconds", seconds) % {"n": seconds}
    minutes = (seconds + 59) // 60
    return ngettext("about %(n)d minute", "about %(n)d minutes", minutes) % {"n": minutes}


def _status(batch: Batch) -> dict[str, str]:
    return {
        "label": str(BatchStatus(batch.status).label),
        "tag": STATUS_TAGS.get(BatchStatus(batch.status), "govuk-tag--grey"),
    }


def _attachment(output: OutputFile) -> HttpResponse:
    response = HttpResponse(output.content, content_type=output.content_type)
    response.headers["Content-Disposition"] = content_disposition_header(True, output.file_name)
    return response


def _name(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


def _submitted_name(submitted: dict[str, Any]) -> str:
    return _name(str(submitted.get("GivenName") or ""), str(submitted.get("FamilyName") or ""))


def _days_left(exception: BatchException, now: datetime.datetime) -> int:
    return max(0, math.ceil((exception.expires_at - now).total_seconds() / 86400))


# --- Batches: upload and list -------------------------------------------------------------------


def _upload(actor: Actor, form: UploadBatchForm) -> Batch | None:
    """Submit the uploaded file; its refusal goes on the file field."""
    upload = form.upload()
    kind = recognise_upload(upload)
    try:
        return submit_upload(
            actor=actor,
            file_name=form.file_name(),
            content=upload,
            # A CTF always runs as FUL (the hint says so): the radios apply to LRB files.
            submission_type=(
                form.cleaned_data["submission_type"] if kind.chooses_submission_type else None
            ),
            kind=kind.name,
        )
    except ValidationFailed as exc:
        form.add_error("file", exc.message)
        return None


def _batch_rows(batches: Iterable[Batch]) -> list[dict[str, Any]]:
    rows = []
    for batch in batches:
        counts = batch_counts(batch)
        rows.append(
            {
                "batch": batch,
                "counts": counts,
                "status": _status(batch),
                "progress_text": _progress_text(counts),
                "is_ctf": batch.file_format == FileFormat.CTF,
            }
        )
    return rows


@requires(Permission.SUBMIT_BATCH)
def batch_list_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        form = UploadBatchForm(request.POST, request.FILES)
        if form.is_valid():
            batch = _upload(actor, form)
            if batch is not None:
                messages.success(
                    request,
                    ngettext(
                        "%(file)s was uploaded: %(n)d learner is being processed.",
                        "%(file)s was uploaded: %(n)d learners are being processed.",
                        batch.row_count,
                    )
                    % {"file": batch.file_name, "n": batch.row_count},
                )
                return redirect("portal:batch-detail", batch_id=batch.pk)
    else:
        form = UploadBatchForm()
    page, pagination = _paginate(request, list_batches(actor), BATCHES_PER_PAGE)
    context = {
        "form": form,
        "batches": _batch_rows(page.object_list),
        "page": page,
        "pagination": pagination,
        "open_exceptions": list_exceptions(actor, status=ExceptionStatus.OPEN).count(),
    }
    return render(request, "portal/batches/list.html", context)


# --- One batch ----------------------------------------------------------------------------------


def _row_lines(rows: Iterable[BatchRow], *, ctf: bool = False) -> list[dict[str, Any]]:
    lines = []
    for row in rows:
        entry = rc.TABLE.get(row.return_code)
        meaning = str(entry.meaning) if entry else ""
        exception = (
            getattr(row, "exception", None) or row.shared_exception
            if entry and entry.exception
            else None
        )
        lines.append(
            {
                "row": row,
                "name": _submitted_name(row.submitted),
                "meaning": meaning,
                "details": details_of(row, ctf=ctf),
                "skipped": row.state == "done" and not row.return_code,
                "exception_id": exception.pk if exception is not None else None,
                "exception_open": exception is not None
                and effective_status(exception) == ExceptionStatus.OPEN,
            }
        )
    return lines


def _return_code_table() -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "meaning": entry.meaning,
            "outcome": OUTCOME_LABELS[entry.outcome],
            "exception": entry.exception,
        }
        for code, entry in rc.TABLE.items()
    ]


@requires(Permission.SUBMIT_BATCH)
def batch_detail_view(request: HttpRequest, actor: Actor, batch_id: int) -> HttpResponse:
    batch = _batch_or_404(actor, batch_id)
    counts = batch_counts(batch)
    rows = batch.rows.select_related("exception", "shared_exception").order_by("position")
    page, pagination = _paginate(request, rows, ROWS_PER_PAGE)
    context = {
        "batch": batch,
        "counts": counts,
        "status": _status(batch),
        "complete": batch.status == BatchStatus.COMPLETE,
        "progress_text": _progress_text(counts, batch_speed(batch, counts)),
        "is_ctf": batch.file_format == FileFormat.CTF,
        "submission_type": SUBMISSION_TYPES.get(
            SubmissionType(batch.submission_type), batch.submission_type
        ),
        "rows": _row_lines(page.object_list, ctf=batch.file_format == FileFormat.CTF),
        "page": page,
        "pagination": pagination,
        "return_codes": _return_code_table(),
        "exceptions_url": reverse("portal:exception-list") + f"?batch={batch.pk}",
    }
    return render(request, "portal/batches/detail.html", context)


@requires(Permission.SUBMIT_BATCH)
def batch_template_view(request: HttpRequest, actor: Actor, file_format: str) -> HttpResponse:
    """A CSV or XML batch file of two example learners, with the user's UKPRN (issue 19)."""
    if file_format not in TEMPLATE_FORMATS:
        raise Http404
    organisation = acting_organisation(actor)
    return _attachment(
        batch_file_template(file_format, ukprn=organisation.ukprn, now=timezone.localtime())
    )


@requires(Permission.SUBMIT_BATCH)
def batch_progress_view(request: HttpRequest, actor: Actor, batch_id: int) -> HttpResponse:
    """The batch's progress as JSON, polled by progress.js on the batch page."""
    try:
        batch = get_batch(actor, batch_id)
    except NotFound as exc:
        return JsonResponse({"error": exc.message}, status=404)
    counts = batch_counts(batch)
    speed = batch_speed(batch, counts)
    return JsonResponse(
        {
            "status": batch.status,
            "status_label": str(BatchStatus(batch.status).label),
            "done": counts.done,
            "total": counts.total,
            "percent": counts.percent_done,
            "complete": batch.status == BatchStatus.COMPLETE,
            "rows_per_second": round(speed.rows_per_second, 1) if speed else None,
            "seconds_left": speed.seconds_left if speed else None,
            "text": _progress_text(counts, speed),
        }
    )


def _download(
    request: HttpRequest, actor: Actor, batch_id: int, read: Callable[[Actor, int], OutputFile]
) -> HttpResponse:
    try:
        output = read(actor, batch_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except Conflict as exc:  # not complete yet
        messages.info(request, exc.message)
        return redirect("portal:batch-detail", batch_id=batch_id)
    return _attachment(output)


@requires(Permission.SUBMIT_BATCH)
def batch_output_view(request: HttpRequest, actor: Actor, batch_id: int) -> HttpResponse:
    """The output file (for a CTF, the CTF with ULNs), with the ULNs of resolved exceptions."""
    return _download(request, actor, batch_id, read_output)


@requires(Permission.SUBMIT_BATCH)
def batch_ctf_exceptions_view(request: HttpRequest, actor: Actor, batch_id: int) -> HttpResponse:
    """The exceptions spreadsheet (xlsx) of a CTF batch."""
    return _download(request, actor, batch_id, read_ctf_exceptions)


# --- Exceptions: the queue and the export -------------------------------------------------------


def _exception_lines(
    exceptions: Iterable[BatchException], now: datetime.datetime
) -> list[dict[str, Any]]:
    lines = []
    for exception in exceptions:
        row = exception.row
        status = effective_status(exception)
        lines.append(
            {
                "exception": exception,
                "row": row,
                "batch": row.batch,
                "name": _submitted_name(row.submitted),
                "date_of_birth": parse_date(str(row.submitted.get("DateOfBirth") or "")),
                "date_of_birth_raw": str(row.submitted.get("DateOfBirth") or ""),
                "days_left": _days_left(exception, now),
                "status_label": ExceptionStatus(status).label,
                "status_tag": EXCEPTION_TAGS[ExceptionStatus(status)],
                "uln": exception.learner.uln if exception.learner is not None else "",
            }
        )
    return lines


def _filtered_batch(request: HttpRequest, actor: Actor) -> Batch | None:
    raw = request.GET.get("batch", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return _batch_or_404(actor, int(raw))


def _exceptions(actor: Actor, shown: str, batch: Batch | None) -> QuerySet[BatchException]:
    batch_id = batch.pk if batch is not None else None
    if shown == PROCESSED:
        return (
            list_exceptions(actor, status=None, batch_id=batch_id)
            .filter(status__in=PROCESSED_STATUSES)
            .order_by("-resolved_at", "-id")
        )
    return list_exceptions(actor, status=ExceptionStatus.OPEN, batch_id=batch_id)


@requires(Permission.SUBMIT_BATCH)
def exception_list_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    shown = PROCESSED if request.GET.get("status") == PROCESSED else OPEN
    batch = _filtered_batch(request, actor)
    page, pagination = _paginate(request, _exceptions(actor, shown, batch), EXCEPTIONS_PER_PAGE)
    batch_query = f"&batch={batch.pk}" if batch is not None else ""
    list_url = reverse("portal:exception-list")
    context = {
        "shown": shown,
        "batch": batch,
        "exceptions": _exception_lines(page.object_list, timezone.now()),
        "page": page,
        "pagination": pagination,
        "open_url": f"{list_url}?status={OPEN}{batch_query}",
        "processed_url": f"{list_url}?status={PROCESSED}{batch_query}",
        "all_batches_url": f"{list_url}?status={shown}",
        "export_url": reverse("portal:exception-export")
        + (f"?batch={batch.pk}" if batch is not None else ""),
        "lifetime_days": EXCEPTION_LIFETIME.days,
    }
    return render(request, "portal/batches/exceptions.html", context)


def _export_rows(exceptions: Iterable[BatchException]) -> Iterable[list[str]]:
    yield [
        gettext("Batch file"),
        gettext("Row"),
        gettext("MIS identifier"),
        gettext("Given name"),
        gettext("Middle names"),
        gettext("Family name"),
        gettext("Date of birth"),
        gettext("Postcode"),
        gettext("Resolution"),
        gettext("ULN"),
        gettext("Resolved by"),
        gettext("Resolved at"),
    ]
    for exception in exceptions:
        row = exception.row
        submitted = row.submitted
        resolved_at = (
            timezone.localtime(exception.resolved_at).strftime("%Y-%m-%d %H:%M")
            if exception.resolved_at
            else ""
        )
        yield [
            row.batch.file_name,
            str(row.position),
            row.mis_identifier,
            str(submitted.get("GivenName") or ""),
            str(submitted.get("MiddleOtherName") or submitted.get("MiddleNames") or ""),
            str(submitted.get("FamilyName") or ""),
            str(submitted.get("DateOfBirth") or ""),
            str(submitted.get("LastKnownPostCode") or ""),
            str(ExceptionStatus(exception.status).label),
            exception.learner.uln if exception.learner is not None else row.uln,
            exception.resolved_by_username,
            resolved_at,
        ]


@requires(Permission.SUBMIT_BATCH)
def exception_export_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    """'Export processed exceptions': the resolved exceptions as CSV, formula-safe."""
    batch = _filtered_batch(request, actor)
    exceptions = list(_exceptions(actor, PROCESSED, batch))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for cells in _export_rows(exceptions):
        writer.writerow([safe_cell(cell) for cell in cells])
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    output = OutputFile(
        buffer.getvalue().encode("utf-8-sig"),
        f"processed_exceptions_{acting_organisation(actor).ukprn}_{stamp}.csv",
        CSV_CONTENT_TYPE,
    )
    record_audit(
        actor=actor,
        action=AuditAction.BATCH_OUTPUT_DOWNLOADED,
        details={
            "file": "processed_exceptions",
            "file_name": output.file_name,
            "batch_id": batch.pk if batch is not None else None,
            "rows": len(exceptions),
        },
    )
    return _attachment(output)


# --- One exception: compare, choose, or register --------------------------------------------------


@dataclass(frozen=True)
class _Field:
    label: Any
    column: tuple[str, ...]  # the submitted columns holding it, first non-blank wins
    attribute: str  # the learner's field
    kind: str = "text"  # text, date, gender, postcode


_DATE_OF_BIRTH = _Field(_("Date of birth"), ("DateOfBirth",), "date_of_birth", "date")
# The rows of the side-by-side comparison. Never the UPN (user guide 4.2.2).
_COMPARED = (
    _Field(_("Given name"), ("GivenName",), "given_name"),
    _Field(_("Middle names"), ("MiddleOtherName", "MiddleNames"), "middle_other_name"),
    _Field(_("Family name"), ("FamilyName",), "family_name"),
    _Field(_("Preferred given name"), ("PreferredGivenName",), "preferred_given_name"),
    _Field(_("Previous family name"), ("PreviousFamilyName",), "previous_family_name"),
    _DATE_OF_BIRTH,
    _Field(_("Gender"), ("Gender",), "gender", "gender"),
    _Field(_("Postcode"), ("LastKnownPostCode",), "last_known_postcode", "postcode"),
    _Field(_("Town or city"), ("LastKnownAddressTown",), "last_known_address_town"),
    _Field(_("Email address"), ("EmailAddress",), "email_address"),
)


def _submitted_value(submitted: dict[str, Any], field: _Field) -> Any:
    raw = next((str(submitted[c]).strip() for c in field.column if submitted.get(c)), "")
    if field.kind == "date":
        return parse_date(raw) or raw
    return raw


def _comparable(value: Any, kind: str) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = " ".join(str(value or "").split()).casefold()
    return text.replace(" ", "") if kind == "postcode" else text


def _shown(value: Any, kind: str) -> Any:
    if kind == "gender" and value:
        return dict(Gender.choices).get(str(value), value)
    return value


def _candidates(exception: BatchException) -> list[dict[str, Any]]:
    learners = candidate_learners([exception])
    candidates: list[dict[str, Any]] = []
    for item in exception.candidates:
        learner: Learner | None = learners.get(int(item.get("learner_id") or 0))
        if learner is None:
            continue
        candidates.append(
            {
                "number": len(candidates) + 1,
                "learner": learner,
                "name": _name(learner.given_name, learner.middle_other_name, learner.family_name),
                "reasons": match_reasons(evidence_from_data(item.get("evidence"))),
                "strength": match_strength_words(_probability(item)),
            }
        )
    return candidates


def _probability(candidate: dict[str, Any]) -> float | None:
    value = candidate.get("probability")
    return float(value) if isinstance(value, int | float) else None


def _comparison(submitted: dict[str, Any], candidates: list[dict[str, Any]]) -> list[Any]:
    """One row per field: the submitted value, then each candidate's and whether it differs."""
    rows = []
    for field in _COMPARED:
        mine = _submitted_value(submitted, field)
        cells = []
        for candidate in candidates:
            theirs = getattr(candidate["learner"], field.attribute)
            differs = bool(
                _comparable(mine, field.kind)
                and _comparable(theirs, field.kind)
                and _comparable(mine, field.kind) != _comparable(theirs, field.kind)
            )
            cells.append(
                {
                    "value": _shown(theirs, field.kind),
                    "is_date": isinstance(theirs, datetime.date),
                    "differs": differs,
                }
            )
        if not mine and not any(cell["value"] for cell in cells):
            continue  # nobody has this detail: nothing to compare
        rows.append(
            {
                "label": field.label,
                "submitted": _shown(mine, field.kind),
                "submitted_is_date": isinstance(mine, datetime.date),
                "cells": cells,
            }
        )
    return rows


def _choice_label(candidate: dict[str, Any]) -> str:
    return gettext("Learner %(n)d: ULN %(uln)s, %(name)s") % {
        "n": candidate["number"],
        "uln": candidate["learner"].uln,
        "name": candidate["name"],
    }


def _kept_filter(request: HttpRequest, actor: Actor) -> str:
    """The exceptions list's batch filter, carried through resolving (``?batch=N`` or "")."""
    batch = _filtered_batch(request, actor)
    return f"?batch={batch.pk}" if batch is not None else ""


def _exception_context(exception: BatchException, kept: str = "") -> dict[str, Any]:
    row = exception.row
    candidates = _candidates(exception)
    entry = rc.TABLE.get(row.return_code)
    status = effective_status(exception)
    return {
        "exception": exception,
        "row": row,
        "batch": row.batch,
        "submitted_name": _submitted_name(row.submitted),
        "candidates": candidates,
        "comparison": _comparison(row.submitted, candidates),
        "meaning": entry.meaning if entry else "",
        "is_open": status == ExceptionStatus.OPEN,
        "status_label": ExceptionStatus(status).label,
        "status_tag": EXCEPTION_TAGS[ExceptionStatus(status)],
        "days_left": _days_left(exception, timezone.now()),
        "list_url": reverse("portal:exception-list") + kept,
        "kept": kept,
        # A find-only (CHK) file registers nobody, so its exceptions cannot either.
        "can_register": row.batch.submission_type != SubmissionType.CHECK,
        # Rows of files sent again that share the exception (`BatchRow.shared_exception`).
        "shared_rows": list(
            exception.shared_rows.select_related("batch").order_by("batch_id", "position")[
                :SHARED_ROWS_SHOWN
            ]
        ),
    }


def _resolved_message(exception: BatchException) -> str:
    row = exception.row
    uln = exception.learner.uln if exception.learner is not None else row.uln
    if exception.status == ExceptionStatus.REGISTERED:
        text = gettext(
            "A new learner was registered for row %(row)d of %(file)s: ULN %(uln)s. Download "
            "the output file again to get it."
        )
    else:
        text = gettext(
            "Row %(row)d of %(file)s now has ULN %(uln)s. Download the output file again to get it."
        )
    return text % {"row": row.position, "file": row.batch.file_name, "uln": uln}


@requires(Permission.SUBMIT_BATCH)
def exception_detail_view(request: HttpRequest, actor: Actor, exception_id: int) -> HttpResponse:
    exception = _exception_or_404(actor, exception_id)
    kept = _kept_filter(request, actor)
    context = _exception_context(exception, kept)
    choices = [
        (str(candidate["learner"].pk), _choice_label(candidate))
        for candidate in context["candidates"]
    ]
    data = request.POST if request.method == "POST" else None
    form = ChooseLearnerForm(data, candidates=choices, can_register=context["can_register"])
    if request.method == "POST" and context["is_open"] and form.is_valid():
        if form.registers_new():
            return redirect(reverse("portal:exception-register", args=[exception.pk]) + kept)
        try:
            resolved = resolve_by_choosing(
                actor=actor, exception_id=exception.pk, learner_id=form.learner_id()
            )
        except NotFound as exc:
            raise Http404(exc.message) from None
        except DomainError as exc:
            add_domain_errors(form, exc, {"learner": "choice"})
        else:
            messages.success(request, _resolved_message(resolved))
            return redirect(context["list_url"])
    context["form"] = form
    return render(request, "portal/batches/exception_detail.html", context)


@requires(Permission.SUBMIT_BATCH)
def exception_register_view(request: HttpRequest, actor: Actor, exception_id: int) -> HttpResponse:
    """The 'Register learner warning' before a new learner is registered for an exception."""
    exception = _exception_or_404(actor, exception_id)
    kept = _kept_filter(request, actor)
    context = _exception_context(exception, kept)
    if not context["is_open"] or not context["can_register"]:
        return redirect(reverse("portal:exception-detail", args=[exception.pk]) + kept)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            resolved = resolve_by_registering(actor=actor, exception_id=exception.pk)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _resolved_message(resolved))
            return redirect(context["list_url"])
    submitted = exception.row.submitted
    context.update(
        form=form,
        submitted_dob=_submitted_value(submitted, _DATE_OF_BIRTH),
        submitted_gender=_shown(str(submitted.get("Gender") or ""), "gender"),
        submitted_postcode=str(submitted.get("LastKnownPostCode") or ""),
        submitted_full_name=_name(
            str(submitted.get("GivenName") or ""),
            str(submitted.get("MiddleOtherName") or submitted.get("MiddleNames") or ""),
            str(submitted.get("FamilyName") or ""),
        ),
    )
    return render(request, "portal/batches/exception_register.html", context)


urlpatterns = [
    path("batches/", batch_list_view, name="batch-list"),
    path("batches/template.<str:file_format>", batch_template_view, name="batch-template"),
    path("batches/<int:batch_id>/", batch_detail_view, name="batch-detail"),
    path("batches/<int:batch_id>/progress/", batch_progress_view, name="batch-progress"),
    path("batches/<int:batch_id>/output/", batch_output_view, name="batch-output"),
    path(
        "batches/<int:batch_id>/ctf-exceptions/",
        batch_ctf_exceptions_view,
        name="batch-ctf-exceptions",
    ),
    path("batches/exceptions/", exception_list_view, name="exception-list"),
    path("batches/exceptions/export/", exception_export_view, name="exception-export"),
    path(
        "batches/exceptions/<int:exception_id>/",
        exception_detail_view,
        name="exception-detail",
    ),
    path(
        "batches/exceptions/<int:exception_id>/register/",
        exception_register_view,
        name="exception-register",
    ),
]
