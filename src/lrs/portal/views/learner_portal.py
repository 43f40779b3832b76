"""The learner portal (/learner/): learners create an account by proving who they are, see
their own record and who has looked at it, share chosen events by link, and read the privacy
notice. The rules are the services' (`lrs.learner_accounts`); these views show their answers.

A learner is never an organisation user: the account lives in the session under its own key
(`lrs.portal.learner_session`), and every page here checks it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lrs.challenges.errors import ChallengeNotFound
from lrs.challenges.services.learner_reports import (
    KIND_PROBLEMS,
    PROBLEM_LABELS,
    LearnerReport,
    my_reports,
    report_problem,
    withdraw_my_report,
)
from lrs.core.errors import DomainError, ValidationFailed
from lrs.learner_accounts.errors import AccountExists, ShareLinkRefused
from lrs.learner_accounts.models import LearnerAccount
from lrs.learner_accounts.reports import create_my_report, create_shared_report
from lrs.learner_accounts.second_factor import has_second_factor
from lrs.learner_accounts.selectors import (
    access_log_entry,
    access_log_rows,
    my_event,
    my_events,
)
from lrs.learner_accounts.services import (
    IdentityClaim,
    confirm_sign_up_code,
    create_account,
    prove_identity,
    reset_password,
    send_password_reset_code,
    send_sign_up_code,
    sign_in,
)
from lrs.learner_accounts.sharing import (
    create_share_link,
    list_share_links,
    open_share_link,
    revoke_share_link,
    sign_token,
)
from lrs.learners.choices import AbilityToShare
from lrs.learners.models import Learner
from lrs.plr.choices import SOURCE_DESCRIPTIONS, Level, Source
from lrs.plr.models import LearningEvent
from lrs.plr.selectors import report_order
from lrs.portal.access import add_domain_errors
from lrs.portal.forms.learner_portal import (
    CodeForm,
    EmailForm,
    IdentityForm,
    LearnerSignInForm,
    MyReportForm,
    NewAccountPasswordForm,
    ReportProblemForm,
    ResetPasswordForm,
    ShareLinkForm,
)
from lrs.portal.learner_session import (
    RESET_KEY,
    SIGN_UP_KEY,
    await_second_factor,
    client_ip,
    current_account,
    learner_required,
    sign_learner_in,
    sign_learner_out,
)
from lrs.portal.pagination import paginate
from lrs.portal.plr_table import event_choice_label, event_row, requested_sort, sort_headers

EVENTS_PER_PAGE = 20
ACCESS_LOG_PER_PAGE = 20
# --- Start, sign in, sign out ------------------------------------------------------------------


@never_cache
def start_view(request: HttpRequest) -> HttpResponse:
    account = current_account(request)
    return render(request, "portal/learner/start.html", {"account": account})


@never_cache
def sign_in_view(request: HttpRequest) -> HttpResponse:
    form = LearnerSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = sign_in(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if has_second_factor(account):
                await_second_factor(request, account)
                return redirect("portal:learner-sign-in-code")
            sign_learner_in(request, account)
            return redirect("portal:learner-record")
    return render(request, "portal/learner/sign_in.html", {"form": form})


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    sign_learner_out(request)
    messages.success(request, _("You have signed out."))
    return redirect("portal:learner-start")


# --- Creating an account -------------------------------------------------------------------


def _sign_up_state(request: HttpRequest) -> dict[str, Any]:
    state = request.session.get(SIGN_UP_KEY)
    return state if isinstance(state, dict) else {}


@never_cache
def sign_up_email_view(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email = send_sign_up_code(email=form.cleaned_data["email"], ip=client_ip(request))
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            request.session[SIGN_UP_KEY] = {"email": email, "confirmed": False}
            return redirect("portal:learner-sign-up-code")
    return render(request, "portal/learner/sign_up_email.html", {"form": form})


@never_cache
def sign_up_code_view(request: HttpRequest) -> HttpResponse:
    state = _sign_up_state(request)
    if not state.get("email"):
        return redirect("portal:learner-sign-up")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirm_sign_up_code(
                email=state["email"], code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            request.session[SIGN_UP_KEY] = {**state, "confirmed": True}
            return redirect("portal:learner-sign-up-identity")
    return render(
        request, "portal/learner/sign_up_code.html", {"form": form, "email": state["email"]}
    )


@never_cache
def sign_up_identity_view(request: HttpRequest) -> HttpResponse:
    state = _sign_up_state(request)
    if not state.get("confirmed"):
        return redirect("portal:learner-sign-up")
    form = IdentityForm(request.POST or None)
    account_exists = False
    if request.method == "POST" and form.is_valid():
        claim = IdentityClaim(
            uln=form.cleaned_data["uln"],
            given_name=form.cleaned_data["given_name"],
            family_name=form.cleaned_data["family_name"],
            date_of_birth=form.cleaned_data["date_of_birth"],
        )
        try:
            learner = prove_identity(email=state["email"], claim=claim, ip=client_ip(request))
        except AccountExists as exc:
            account_exists = True
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            request.session[SIGN_UP_KEY] = {**state, "learner": learner.pk}
            return redirect("portal:learner-sign-up-password")
    return render(
        request,
        "portal/learner/sign_up_identity.html",
        {"form": form, "account_exists": account_exists},
    )


@never_cache
def sign_up_password_view(request: HttpRequest) -> HttpResponse:
    state = _sign_up_state(request)
    learner = Learner.objects.filter(pk=state.get("learner") or 0).first()
    if not state.get("confirmed") or learner is None:
        return redirect("portal:learner-sign-up")
    form = NewAccountPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = create_account(
                email=state["email"],
                learner=learner,
                password=form.cleaned_data["new_password"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc, {"password": "new_password"})
        else:
            sign_learner_in(request, account)
            messages.success(request, _("Your account has been created."))
            return redirect("portal:learner-record")
    return render(request, "portal/learner/sign_up_password.html", {"form": form})


# --- Forgotten password ----------------------------------------------------------------------


@never_cache
def forgotten_password_view(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email = send_password_reset_code(
                email=form.cleaned_data["email"], ip=client_ip(request)
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            request.session[RESET_KEY] = email
            return redirect("portal:learner-reset-password")
    return render(request, "portal/learner/forgotten_password.html", {"form": form})


@never_cache
def reset_password_view(request: HttpRequest) -> HttpResponse:
    email = request.session.get(RESET_KEY)
    if not email:
        return redirect("portal:learner-forgotten-password")
    form = ResetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = reset_password(
                email=email,
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            sign_learner_in(request, account)
            messages.success(request, _("Your password has been changed."))
            return redirect("portal:learner-record")
    return render(request, "portal/learner/reset_password.html", {"form": form, "email": email})


# --- My learning record ----------------------------------------------------------------------


def _event_row(event: LearningEvent) -> dict[str, Any]:
    return event_row(event, reverse("portal:learner-event", args=[event.pk]))


@learner_required
def record_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    sort, descending = requested_sort(request)
    events = my_events(account.learner, sort=sort, descending=descending)
    page, pagination = paginate(request, events, EVENTS_PER_PAGE)
    headers = sort_headers(sort, descending=descending)
    context = {
        "learner": account.learner,
        "rows": [_event_row(event) for event in page.object_list],
        "total": page.paginator.count,
        "headers": headers,
        "pagination": pagination,
        "pagination_label": _("Pages of learning events"),
        "shares": account.learner.ability_to_share == AbilityToShare.SEEN,
    }
    return render(request, "portal/learner/record.html", context)


@learner_required
def event_view(request: HttpRequest, account: LearnerAccount, event_id: int) -> HttpResponse:
    event = my_event(account.learner, event_id)
    if event is None:
        raise Http404
    return render(request, "portal/learner/event.html", {**_event_row(event)})


def _choices(events: list[LearningEvent]) -> list[tuple[str, str]]:
    choices = []
    for event in events:
        label = event_choice_label(event)
        if event.sensitive:
            label += " – " + _("hidden from organisations")
        choices.append((str(event.pk), label))
    return choices


@learner_required
def report_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    events = list(report_order(my_events(account.learner)))
    form = MyReportForm(
        request.POST or None,
        choices=_choices(events),
        initial={"language": "cy" if get_language() == "cy" else "en"},
    )
    if request.method == "POST" and form.is_valid():
        report = create_my_report(
            account=account, event_ids=form.event_ids(), language=form.cleaned_data["language"]
        )
        response = HttpResponse(report.content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=report.file_name
        )
        return response
    return render(
        request,
        "portal/learner/report.html",
        {
            "form": form,
            "has_events": bool(events),
            "has_sensitive": any(e.sensitive for e in events),
        },
    )


# --- Who has looked at my record -------------------------------------------------------------


@learner_required
def access_log_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    page, pagination = paginate(request, access_log_rows(account.learner), ACCESS_LOG_PER_PAGE)
    context = {
        "entries": [access_log_entry(row) for row in page.object_list],
        "total": page.paginator.count,
        "pagination": pagination,
        "pagination_label": _("Pages of the access log"),
    }
    return render(request, "portal/learner/access_log.html", context)


# --- Share links -----------------------------------------------------------------------------


def _link_rows(request: HttpRequest, account: LearnerAccount) -> list[dict[str, Any]]:
    from django.utils import timezone

    now = timezone.now()
    rows = []
    for link in list_share_links(account):
        if link.revoked_at is not None:
            status = "revoked"
        elif link.expires_at <= now:
            status = "expired"
        else:
            status = "active"
        rows.append(
            {
                "link": link,
                "status": status,
                "url": request.build_absolute_uri(
                    reverse("portal:learner-shared", args=[sign_token(link)])
                ),
                "events": len(link.events.all()),
            }
        )
    return rows


@learner_required
def share_list_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    return render(request, "portal/learner/share_list.html", {"rows": _link_rows(request, account)})


@learner_required
def share_new_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    events = list(report_order(my_events(account.learner)))
    form = ShareLinkForm(request.POST or None, choices=_choices(events))
    if request.method == "POST" and form.is_valid():
        try:
            link, _token = create_share_link(
                account=account,
                recipient=form.cleaned_data["recipient"],
                event_ids=form.event_ids(),
                days=form.cleaned_data["days"],
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your share link for %(recipient)s is ready. Copy it from the list below.")
                % {"recipient": link.recipient},
            )
            return redirect("portal:learner-share-links")
    return render(
        request, "portal/learner/share_new.html", {"form": form, "has_events": bool(events)}
    )


@require_POST
@learner_required
def share_revoke_view(
    request: HttpRequest, account: LearnerAccount, public_id: str
) -> HttpResponse:
    try:
        link = revoke_share_link(account=account, public_id=public_id)
    except ShareLinkRefused as exc:
        raise Http404 from exc
    messages.success(
        request,
        _("The share link for %(recipient)s no longer works.") % {"recipient": link.recipient},
    )
    return redirect("portal:learner-share-links")


@never_cache
def shared_view(request: HttpRequest, token: str) -> HttpResponse:
    """What someone with a learner's share link sees (no sign-in): read-only, stamped."""
    try:
        shared = open_share_link(token=token)
    except ShareLinkRefused as exc:
        return render(
            request, "portal/learner/shared_refused.html", {"message": exc.message}, status=404
        )
    rows = [
        {
            "event": event,
            "level": Level(event.level).label if event.level else "",
            "source": Source(event.source).label,
            "source_description": SOURCE_DESCRIPTIONS[Source(event.source)],
        }
        for event in shared.events
    ]
    context = {"shared": shared, "rows": rows, "token": token}
    response = render(request, "portal/learner/shared.html", context)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def shared_pdf_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        _shared, report = create_shared_report(
            token=token, language="cy" if get_language() == "cy" else "en"
        )
    except ShareLinkRefused as exc:
        return render(
            request, "portal/learner/shared_refused.html", {"message": exc.message}, status=404
        )
    response = HttpResponse(report.content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=report.file_name
    )
    return response


# --- Reporting a problem (a data challenge raised by the learner) ----------------------------


@learner_required
def report_problem_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    events = list(report_order(my_events(account.learner)))
    chosen = request.GET.get("event", "")
    initial: dict[str, Any] = {"contact_email": account.email}
    if chosen.isdigit() and any(str(event.pk) == chosen for event in events):
        initial.update(problem="event_wrong", events=[chosen])
    form = ReportProblemForm(
        request.POST or None,
        problems=[(key, str(label)) for key, label in PROBLEM_LABELS.items()],
        choices=_choices(events),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        report = LearnerReport(
            problem=form.cleaned_data["problem"],
            contact_email=form.cleaned_data["contact_email"],
            comments=form.cleaned_data["comments"],
            other_uln=form.cleaned_data["other_uln"],
            event_ids=form.event_ids(),
            proposed=form.proposed(),
        )
        try:
            challenge = report_problem(learner=account.learner, report=report)
        except ValidationFailed as exc:
            add_domain_errors(
                form,
                exc,
                {
                    "event_ids": "events",
                    "proposed": "proposed_grade",
                    "grade": "proposed_grade",
                    "achievement_award_date": "proposed_award_date",
                },
            )
        else:
            return render(request, "portal/learner/problem_reported.html", {"challenge": challenge})
    return render(
        request, "portal/learner/report_problem.html", {"form": form, "has_events": bool(events)}
    )


@learner_required
def my_reports_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    rows = [
        {"challenge": challenge, "problem": _problem_label(challenge.kind)}
        for challenge in my_reports(account.learner)
    ]
    return render(request, "portal/learner/my_reports.html", {"rows": rows})


def _problem_label(kind: str) -> str:
    problem = KIND_PROBLEMS.get(kind)
    return str(PROBLEM_LABELS[problem]) if problem else kind


@require_POST
@learner_required
def withdraw_report_view(
    request: HttpRequest, account: LearnerAccount, reference: str
) -> HttpResponse:
    try:
        challenge = withdraw_my_report(learner=account.learner, reference=reference)
    except ChallengeNotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("You have withdrawn report %(ref)s.") % {"ref": challenge.reference}
        )
    return redirect("portal:learner-reports")


# --- Privacy ---------------------------------------------------------------------------------


@never_cache
def privacy_view(request: HttpRequest) -> HttpResponse:
    account = current_account(request)
    context: dict[str, Any] = {"account": account}
    if account is not None:
        context["shares"] = account.learner.ability_to_share == AbilityToShare.SEEN
    return render(request, "portal/learner/privacy.html", context)


urlpatterns = [
    path("learner/", start_view, name="learner-start"),
    path("learner/sign-in/", sign_in_view, name="learner-sign-in"),
    path("learner/sign-out/", sign_out_view, name="learner-sign-out"),
    path("learner/create-account/", sign_up_email_view, name="learner-sign-up"),
    path("learner/create-account/code/", sign_up_code_view, name="learner-sign-up-code"),
    path(
        "learner/create-account/who-you-are/",
        sign_up_identity_view,
        name="learner-sign-up-identity",
    ),
    path(
        "learner/create-account/password/",
        sign_up_password_view,
        name="learner-sign-up-password",
    ),
    path(
        "learner/forgotten-password/",
        forgotten_password_view,
        name="learner-forgotten-password",
    ),
    path(
        "learner/forgotten-password/reset/",
        reset_password_view,
        name="learner-reset-password",
    ),
    path("learner/record/", record_view, name="learner-record"),
    path("learner/record/events/<int:event_id>/", event_view, name="learner-event"),
    path("learner/record/report/", report_view, name="learner-report"),
    path("learner/access-log/", access_log_view, name="learner-access-log"),
    path("learner/share/", share_list_view, name="learner-share-links"),
    path("learner/share/new/", share_new_view, name="learner-share-new"),
    path("learner/share/<str:public_id>/revoke/", share_revoke_view, name="learner-share-revoke"),
    path("learner/shared/<str:token>/", shared_view, name="learner-shared"),
    path("learner/shared/<str:token>/pdf/", shared_pdf_view, name="learner-shared-pdf"),
    path("learner/privacy/", privacy_view, name="learner-privacy"),
    path("learner/report-a-problem/", report_problem_view, name="learner-report-problem"),
    path("learner/my-reports/", my_reports_view, name="learner-reports"),
    path(
        "learner/my-reports/<str:reference>/withdraw/",
        withdraw_report_view,
        name="learner-report-withdraw",
    ),
]
