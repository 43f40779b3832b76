"""Data challenge pages: report a problem, view enquiries, the service desk's queue and
resolutions, the ULN changes list and the duplicate finder's worklist (user guide 6).

The rules are in `lrs.challenges`; these views collect input and show the outcome.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lrs.challenges.choices import SuspectStatus
from lrs.challenges.duplicates import decide_suspect, request_duplicate_run
from lrs.challenges.errors import ChallengeNotFound
from lrs.challenges.models import Challenge, SuspectedDuplicate
from lrs.challenges.selectors import (
    get_challenge,
    get_learner_to_split,
    latest_duplicate_run,
    list_challenges,
    list_learner_enquiries,
    list_suspected_duplicates,
    list_uln_changes,
)
from lrs.challenges.services.raising import (
    raise_challenge,
    raise_worklist_challenge,
    set_challenge_status,
    withdraw_challenge,
)
from lrs.challenges.services.resolutions import (
    correct_event,
    demerge_ulns,
    mark_deceased,
    merge_ulns,
    remove_event,
    split_uln,
    transfer_events,
)
from lrs.core.actor import Actor
from lrs.core.errors import DomainError, PermissionDenied, ValidationFailed
from lrs.core.roles import Permission
from lrs.learners.choices import Gender
from lrs.learners.details import DATE_FIELDS, LearnerDetails
from lrs.learners.errors import LearnerNotFound
from lrs.learners.models import Learner
from lrs.plr.models import LearningEvent
from lrs.portal.access import add_domain_errors, requires
from lrs.portal.forms.challenges import (
    CommentForm,
    RaiseChallengeForm,
    ResolveForm,
    SplitForm,
    StatusForm,
    WorklistChallengeForm,
    event_label,
)
from lrs.portal.forms.learners import from_session, to_session

CHANGES_PER_PAGE = 50
SUSPECTS_PER_PAGE = 25
SPLIT_KEY = "lrs.challenges.split"  # a split waiting for the operator's confirmation


def _events_of(learner: Learner) -> list[LearningEvent]:
    ids = [learner.pk, *Learner.objects.filter(master=learner).values_list("pk", flat=True)]
    return list(
        LearningEvent.objects.filter(learner_id__in=ids, sensitive=False).order_by(
            "-achievement_award_date", "-id"
        )
    )


def _enquiries(actor: Actor, uln: str) -> tuple[Learner, list[Challenge]]:
    try:
        learner, challenges = list_learner_enquiries(uln=uln, actor=actor)
    except LearnerNotFound as exc:
        raise Http404(exc.message) from exc
    return learner, list(challenges)


@requires(Permission.RAISE_CHALLENGE)
def raise_view(request: HttpRequest, actor: Actor, uln: str) -> HttpResponse:
    learner, _challenges = _enquiries(actor, uln)
    form = RaiseChallengeForm(
        request.POST if request.method == "POST" else None,
        events=_events_of(learner),
        initial={"kind": request.GET.get("kind", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            challenge = raise_challenge(request=form.to_request(learner.uln), actor=actor)
        except ValidationFailed as exc:
            add_domain_errors(form, exc, field_map={"proposed": "proposed_grade"})
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return render(request, "portal/challenges/raised.html", {"challenge": challenge})
    return render(request, "portal/challenges/raise.html", {"form": form, "learner": learner})


@requires(Permission.RAISE_CHALLENGE)
def enquiries_view(request: HttpRequest, actor: Actor, uln: str) -> HttpResponse:
    learner, challenges = _enquiries(actor, uln)
    return render(
        request,
        "portal/challenges/enquiries.html",
        {
            "learner": learner,
            "challenges": challenges,
            "organisation_id": actor.organisation.pk,
            "form": CommentForm(),
        },
    )


@require_POST
@requires(Permission.RAISE_CHALLENGE)
def withdraw_view(request: HttpRequest, actor: Actor, reference: str) -> HttpResponse:
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        challenge = withdraw_challenge(reference=reference, actor=actor, comment=comment)
    except ChallengeNotFound as exc:
        raise Http404(exc.message) from exc
    except (PermissionDenied, DomainError) as exc:
        messages.error(request, exc.message)
        challenge = get_challenge(reference=reference, actor=actor)
    else:
        messages.success(request, _("Challenge %(ref)s withdrawn.") % {"ref": challenge.reference})
    return redirect("portal:learner-enquiries", challenge.learner.uln)


@requires(Permission.RESOLVE_CHALLENGE)
def queue_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    status = request.GET.get("status", "")
    challenges = list_challenges(actor=actor, status=status)
    page = Paginator(challenges, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/challenges/queue.html", {"page": page, "status": status})


def _linked_of(challenge: Challenge) -> str:
    pair = [challenge.uln, challenge.other_uln]
    linked = Learner.objects.filter(uln__in=pair, master__isnull=False).first()
    return linked.uln if linked is not None else challenge.other_uln


def _resolve(actor: Actor, challenge: Challenge, form: ResolveForm) -> None:
    action = form.cleaned_data["action"]
    comment = form.cleaned_data["comment"]
    ref = challenge.reference
    events = sorted(event.pk for event in challenge.events.all())
    if action == "merge":
        master = challenge.master_uln or challenge.uln
        duplicate = challenge.other_uln if master == challenge.uln else challenge.uln
        merge_ulns(
            master_uln=master,
            duplicate_uln=duplicate,
            actor=actor,
            challenge_reference=ref,
            comment=comment,
        )
    elif action == "demerge":
        demerge_ulns(
            duplicate_uln=_linked_of(challenge),
            actor=actor,
            challenge_reference=ref,
            comment=comment,
        )
    elif action == "correct" and len(events) == 1:
        correct_event(
            event_id=events[0],
            values=challenge.proposed,
            actor=actor,
            challenge_reference=ref,
            comment=comment,
        )
    elif action == "transfer" and events and challenge.other_uln:
        transfer_events(
            event_ids=events,
            to_uln=challenge.other_uln,
            actor=actor,
            challenge_reference=ref,
            comment=comment,
        )
    elif action == "remove" and len(events) == 2:
        remove_event(
            event_id=events[1],
            kept_event_id=events[0],
            actor=actor,
            challenge_reference=ref,
            comment=comment,
        )
    elif action == "deceased":
        date: datetime.date | None = form.cleaned_data["date_of_death"]
        mark_deceased(
            uln=challenge.uln,
            date_of_death=date,
            actor=actor,
            challenge_reference=ref,
            comment=comment,
        )
    else:
        raise ValidationFailed(
            field_errors={"action": [_("This resolution does not fit this challenge.")]}
        )


@requires(Permission.RESOLVE_CHALLENGE)
def challenge_view(request: HttpRequest, actor: Actor, reference: str) -> HttpResponse:
    try:
        challenge = get_challenge(reference=reference, actor=actor)
    except ChallengeNotFound as exc:
        raise Http404(exc.message) from exc
    status_form = StatusForm(request.POST if "status" in request.POST else None)
    resolve_form = ResolveForm(request.POST if "action" in request.POST else None)
    for form in (status_form, resolve_form):
        if not (request.method == "POST" and form.is_bound and form.is_valid()):
            continue
        try:
            if isinstance(form, StatusForm):
                set_challenge_status(
                    reference=challenge.reference,
                    status=form.cleaned_data["status"],
                    actor=actor,
                    comment=form.cleaned_data["comment"],
                )
            else:
                _resolve(actor, challenge, form)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Challenge %(ref)s updated.") % {"ref": reference})
            return redirect("portal:challenge-detail", challenge.reference)
    return render(
        request,
        "portal/challenges/detail.html",
        {
            "challenge": challenge,
            "status_form": status_form,
            "resolve_form": resolve_form,
            "is_open": challenge.status in ("open", "in_progress"),
        },
    )


@requires(Permission.FIND_LEARNER)
def uln_changes_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    changes = list_uln_changes(actor=actor).reverse()
    page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/challenges/uln_changes.html", {"page": page})


def _to_split(actor: Actor, uln: str) -> tuple[Learner, list[LearningEvent]]:
    try:
        return get_learner_to_split(uln=uln, actor=actor)
    except LearnerNotFound as exc:
        raise Http404(exc.message) from exc


def _pending_split(request: HttpRequest, uln: str) -> dict[str, Any] | None:
    pending = request.session.get(SPLIT_KEY)
    if isinstance(pending, dict) and pending.get("uln") == uln:
        return pending
    return None


@never_cache
@requires(Permission.RESOLVE_CHALLENGE)
def split_view(request: HttpRequest, actor: Actor, uln: str) -> HttpResponse:
    """Split a shared ULN, step 1: the second person's details and their qualifications."""
    shared, events = _to_split(actor, uln)
    if shared.uln != uln:
        return redirect("portal:uln-split", shared.uln)
    if request.method == "POST":
        form = SplitForm(request.POST, events=events)
        if form.is_valid():
            data = dict(form.cleaned_data)
            request.session[SPLIT_KEY] = {
                "uln": shared.uln,
                "details": to_session(form.to_details().as_model_fields()),
                "event_ids": sorted(data["event_ids"]),
                "challenge_reference": data["challenge_reference"].strip(),
                "comment": data["comment"].strip(),
            }
            return redirect("portal:uln-split-confirm", shared.uln)
    else:
        pending = _pending_split(request, shared.uln) if request.GET.get("change") else None
        if pending is not None:
            initial = {
                **from_session(pending["details"], DATE_FIELDS),
                "event_ids": pending["event_ids"],
                "challenge_reference": pending["challenge_reference"],
                "comment": pending["comment"],
            }
        else:
            initial = {"challenge_reference": request.GET.get("challenge", "")}
        form = SplitForm(initial=initial, events=events)
    return render(
        request,
        "portal/challenges/split.html",
        {"form": form, "learner": shared, "has_events": bool(events)},
    )


@never_cache
@requires(Permission.RESOLVE_CHALLENGE)
def split_confirm_view(request: HttpRequest, actor: Actor, uln: str) -> HttpResponse:
    """Split a shared ULN, step 2: check, then split; the result shows the new ULN."""
    shared, events = _to_split(actor, uln)
    pending = _pending_split(request, shared.uln)
    if pending is None:
        return redirect("portal:uln-split", shared.uln)
    details = LearnerDetails.from_mapping(from_session(pending["details"], DATE_FIELDS))
    form = forms.Form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            second = split_uln(
                uln=shared.uln,
                details=details,
                event_ids=pending["event_ids"],
                actor=actor,
                challenge_reference=pending["challenge_reference"],
                comment=pending["comment"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            del request.session[SPLIT_KEY]
            return render(
                request,
                "portal/challenges/split_done.html",
                {
                    "learner": shared,
                    "new_uln": second.uln,
                    "moved": len(pending["event_ids"]),
                    "reference": pending["challenge_reference"],
                },
            )
    chosen = set(pending["event_ids"])
    names = (details.given_name, details.middle_other_name, details.family_name)
    return render(
        request,
        "portal/challenges/split_confirm.html",
        {
            "form": form,
            "learner": shared,
            "details": details,
            "name": " ".join(name for name in names if name),
            "gender": dict(Gender.choices).get(details.gender, ""),
            "moving": [event_label(event) for event in events if event.pk in chosen],
            "staying": [event_label(event) for event in events if event.pk not in chosen],
            "reference": pending["challenge_reference"],
            "comment": pending["comment"],
        },
    )


def _raise_from_worklist(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = WorklistChallengeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose which of the two ULNs is the master."))
        return redirect("portal:duplicate-list")
    try:
        challenge = raise_worklist_challenge(
            suspect_id=form.cleaned_data["suspect"],
            master_uln=form.cleaned_data["master_uln"],
            actor=actor,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        for message in [m for ms in exc.field_errors.values() for m in ms] or [exc.message]:
            messages.error(request, message)
        return redirect("portal:duplicate-list")
    messages.success(request, _("Challenge %(ref)s raised.") % {"ref": challenge.reference})
    return redirect("portal:challenge-detail", challenge.reference)


@requires(Permission.RESOLVE_CHALLENGE)
def duplicates_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST" and request.POST.get("decision") == "challenge":
        return _raise_from_worklist(request, actor)
    if request.method == "POST" and request.POST.get("find") in ("changed", "full"):
        _run, new = request_duplicate_run(actor=actor, full=request.POST["find"] == "full")
        if new:
            messages.success(request, _("The duplicate finder will run shortly."))
        else:
            messages.info(request, _("The duplicate finder is already queued or running."))
        return redirect("portal:duplicate-list")
    if request.method == "POST":
        suspect_id = request.POST.get("suspect", "")
        suspect = (
            SuspectedDuplicate.objects.select_related("low", "high")
            .filter(pk=int(suspect_id))
            .first()
            if suspect_id.isdigit()
            else None
        )
        if suspect is None or suspect.status != SuspectStatus.OPEN:
            raise Http404
        try:
            if request.POST.get("decision") == "merge":
                master, duplicate = sorted(
                    [suspect.low, suspect.high], key=lambda learner: learner.created_at
                )
                merge_ulns(master_uln=master.uln, duplicate_uln=duplicate.uln, actor=actor)
                messages.success(
                    request,
                    _("%(duplicate)s merged into %(master)s.")
                    % {"duplicate": duplicate.uln, "master": master.uln},
                )
            else:
                decide_suspect(
                    suspect_id=suspect.pk, status=SuspectStatus.NOT_DUPLICATE, actor=actor
                )
                messages.success(request, _("Marked as not a duplicate."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("portal:duplicate-list")
    page = Paginator(list_suspected_duplicates(actor=actor), SUSPECTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for suspect in page.object_list:
        # The older ULN first: the one offered as master.
        suspect.by_age = sorted(  # type: ignore[attr-defined]
            [suspect.low, suspect.high], key=lambda learner: (learner.created_at, learner.pk)
        )
    run = latest_duplicate_run(actor=actor)
    percent = round(100 * run.processed / run.total) if run is not None and run.total else None
    return render(
        request,
        "portal/challenges/duplicates.html",
        {"page": page, "run": run, "percent": percent},
    )


urlpatterns: list[URLPattern] = [
    path("learners/<str:uln>/report-a-problem/", raise_view, name="challenge-raise"),
    path("learners/<str:uln>/enquiries/", enquiries_view, name="learner-enquiries"),
    path("challenges/<str:reference>/withdraw/", withdraw_view, name="challenge-withdraw"),
    path("uln-changes/", uln_changes_view, name="uln-changes"),
    path("service-desk/challenges/", queue_view, name="challenge-queue"),
    path("service-desk/challenges/<str:reference>/", challenge_view, name="challenge-detail"),
    path("service-desk/duplicates/", duplicates_view, name="duplicate-list"),
    path("service-desk/learners/<str:uln>/split/", split_view, name="uln-split"),
    path(
        "service-desk/learners/<str:uln>/split/confirm/",
        split_confirm_view,
        name="uln-split-confirm",
    ),
]
