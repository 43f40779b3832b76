"""PLR pages of the organisation portal: a learner's PLR, its events, the PLR report, the
qualification search (routes to achievement) and the credit check (awarding organisations).

The rules (role, learner found by the organisation, ability to share, sensitive events) are the
selectors'; these views show what they return, or their refusal.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from lrs.core.actor import Actor
from lrs.core.errors import DomainError, TooManyRequests, ValidationFailed
from lrs.core.roles import Permission
from lrs.plr.choices import LanguageForAssessment, Level, RuleGroupKind
from lrs.plr.credit_check import FOUND, credit_check
from lrs.plr.errors import InvalidUln, LearnerNotVerified, PlrNotShared
from lrs.plr.models import LearningEvent
from lrs.plr.reports import create_plr_report
from lrs.plr.selectors import (
    get_learner_learning_events,
    get_learning_event,
    get_qualification,
    learner_events_for_qualification,
    list_awarding_bodies,
    report_order,
    rules_of_combination,
    search_qualifications,
)
from lrs.portal.access import add_domain_errors, portal_actor, requires
from lrs.portal.forms.plr import CreditCheckForm, QualificationSearchForm, ReportForm
from lrs.portal.pagination import paginate
from lrs.portal.plr_table import (
    column_labels,
    event_choice_label,
    event_row,
    requested_sort,
    sort_headers,
)
from lrs.portal.throttling import count_lookup, too_many_requests_page

EVENTS_PER_PAGE = 20
QUALIFICATIONS_PER_PAGE = 20


def _shown(value: object) -> object:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def _change_labels() -> dict[str, str]:
    """Labels of the fields a correction can change (the event's history)."""
    return {
        "grade": _("Grade"),
        "credits": _("Credit"),
        "subject": _("Subject"),
        "subject_code": _("Subject code"),
        "achievement_award_date": _("Award date"),
        "participation_start_date": _("Start date"),
        "participation_end_date": _("End date"),
        "under_challenge": _("Under data challenge"),
        "achievement_provider_name": _("Provider"),
        "status": _("Status"),
        "completion_status": _("Completion status"),
        "outcome": _("Outcome"),
        "learner": _("ULN"),
    }


def _refused(request: HttpRequest, error: DomainError, uln: str) -> HttpResponse:
    """The page for a refusal: not shared (WSEC0206) or not verified (WSEC0208)."""
    if isinstance(error, PlrNotShared):
        context = {"uln": error.found_uln, "message": error.message, "code": error.code}
        return render(request, "portal/plr/not_shared.html", context, status=403)
    return render(request, "portal/learners/not_found.html", {"message": error.message}, status=404)


def _event_row(event: LearningEvent, uln: str) -> dict[str, Any]:
    return event_row(event, reverse("portal:learner-plr-event", args=[uln, event.pk]))


@requires(Permission.VIEW_PLR)
def plr_view(request: HttpRequest, actor: Actor, uln: str) -> HttpResponse:
    sort, descending = requested_sort(request)
    try:
        record = get_learner_learning_events(
            uln=uln,
            actor=actor,
            sort=sort,
            descending=descending,
            page=int(request.GET["page"]) if request.GET.get("page", "").isdigit() else None,
        )
    except (PlrNotShared, LearnerNotVerified, InvalidUln) as exc:
        return _refused(request, exc, uln)
    page, pagination = paginate(request, record.events, EVENTS_PER_PAGE)
    headers = sort_headers(sort, descending=descending)
    context = {
        "learner": record.learner,
        "incoming_uln": record.incoming_uln,
        "master_substituted": record.master_substituted,
        "rows": [_event_row(event, record.learner.uln) for event in page.object_list],
        "total": page.paginator.count,
        "headers": headers,
        "pagination": pagination,
        "pagination_label": _("Pages of learning events"),
    }
    return render(request, "portal/plr/record.html", context)


@requires(Permission.VIEW_PLR)
def event_view(request: HttpRequest, actor: Actor, uln: str, event_id: int) -> HttpResponse:
    try:
        learner, event = get_learning_event(uln=uln, event_id=event_id, actor=actor)
    except (PlrNotShared, LearnerNotVerified, InvalidUln) as exc:
        return _refused(request, exc, uln)
    qualification_href = ""
    if event.qualification_id is not None:
        qualification_href = (
            reverse("portal:qualification-detail", args=[event.subject_code.replace("/", "")])
            + "?uln="
            + learner.uln
        )
    labels = {**column_labels(), **_change_labels()}
    history = [
        {
            "change": change,
            "items": [
                {
                    "label": labels.get(name, name),
                    "old": _shown(values[0]),
                    "new": _shown(values[1]),
                }
                for name, values in change.changes.items()
                if name != "sensitive" and isinstance(values, list) and len(values) == 2
            ],
        }
        for change in event.changes.order_by("occurred_at", "id")
    ]
    context = {
        "learner": learner,
        "history": history,
        **_event_row(event, learner.uln),
        "language": LanguageForAssessment(event.language_for_assessment).label
        if event.language_for_assessment
        else "",
        "qualification_href": qualification_href,
    }
    return render(request, "portal/plr/event.html", context)


def _report_choices(events: list[LearningEvent]) -> list[tuple[str, str]]:
    return [(str(event.pk), event_choice_label(event)) for event in events]


@requires(Permission.VIEW_PLR)
def report_view(request: HttpRequest, actor: Actor, uln: str) -> HttpResponse:
    try:
        record = get_learner_learning_events(uln=uln, actor=actor)
    except (PlrNotShared, LearnerNotVerified, InvalidUln) as exc:
        return _refused(request, exc, uln)
    events = list(report_order(record.events))
    form = ReportForm(request.POST or None, choices=_report_choices(events))
    if request.method == "POST" and form.is_valid():
        try:
            report = create_plr_report(
                uln=record.learner.uln,
                actor=actor,
                event_ids=[int(value) for value in form.cleaned_data["events"]],
                language=form.cleaned_data["language"],
            )
        except (PlrNotShared, LearnerNotVerified, InvalidUln) as exc:
            return _refused(request, exc, uln)
        response = HttpResponse(report.content, content_type="application/pdf")
        response.headers["Content-Disposition"] = content_disposition_header(True, report.file_name)
        return response
    context = {"learner": record.learner, "form": form, "has_events": bool(events)}
    return render(request, "portal/plr/report.html", context)


@login_required
def qualification_search_view(request: HttpRequest) -> HttpResponse:
    form = QualificationSearchForm(request.GET or None)
    page = pagination = None
    if form.has_criteria():
        data = form.cleaned_data
        found = search_qualifications(
            keywords=data["keywords"],
            qn=data["qn"],
            sector_subject_area=data["sector_subject_area"],
            level=data["level"],
            awarding_body=data["awarding_organisation"],
        )
        page, pagination = paginate(request, found, QUALIFICATIONS_PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "results": [
            {
                "qualification": q,
                "level": Level(q.level).label if q.level else "",
                "href": reverse("portal:qualification-detail", args=[q.qn.replace("/", "")]),
            }
            for q in (page.object_list if page else [])
        ],
        "pagination": pagination,
        "pagination_label": _("Pages of qualifications"),
        "awarding_bodies": list_awarding_bodies(),
    }
    return render(request, "portal/plr/qualifications.html", context)


@login_required
def qualification_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    qualification = get_qualification(qn=code)
    if qualification is None:
        raise Http404(_("No qualification with this number is in the catalogue."))
    learner = None
    events: list[LearningEvent] = []
    refusal = ""
    uln = request.GET.get("uln", "").strip()
    actor = portal_actor(request)
    if uln and actor.can(Permission.VIEW_PLR):
        try:
            learner, events = learner_events_for_qualification(
                uln=uln, actor=actor, qualification=qualification
            )
        except (PlrNotShared, LearnerNotVerified, InvalidUln) as exc:
            refusal = exc.message
    progress = rules_of_combination(qualification, events)
    context = {
        "qualification": qualification,
        "level": Level(qualification.level).label if qualification.level else "",
        "progress": progress,
        "groups": [
            {"group": group, "kind": RuleGroupKind(group.kind).label} for group in progress.groups
        ],
        "learner": learner,
        "refusal": refusal,
    }
    return render(request, "portal/plr/qualification.html", context)


@requires(Permission.CREDIT_CHECK)
def credit_check_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = CreditCheckForm(request.POST or None)
    result = None
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            count_lookup(request, actor)
        except TooManyRequests as exc:
            return too_many_requests_page(request, exc)
        try:
            result = credit_check(
                actor=actor,
                uln=data["uln"],
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data["date_of_birth"],
                reference=data["reference"],
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        except DomainError as exc:
            refusal = exc.message
    context = {
        "form": form,
        "result": result,
        "found": result is not None and result.outcome == FOUND,
        "items": [
            {"item": item, "level": Level(item.level).label if item.level else ""}
            for item in (result.achievements if result else [])
        ],
        "refusal": refusal,
    }
    return render(request, "portal/plr/credit_check.html", context)


urlpatterns = [
    path("learners/<str:uln>/plr/", plr_view, name="learner-plr"),
    path("learners/<str:uln>/plr/events/<int:event_id>/", event_view, name="learner-plr-event"),
    path("learners/<str:uln>/plr/report/", report_view, name="learner-plr-report"),
    path("qualifications/", qualification_search_view, name="qualification-search"),
    path("qualifications/<str:code>/", qualification_detail_view, name="qualification-detail"),
    path("credit-check/", credit_check_view, name="credit-check"),
]
