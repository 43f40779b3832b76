"""Learner pages of the organisation portal: find, register, view and edit a learner.

Searches are POSTed and their results shown on a following GET (post/redirect/get), so that
personal details never appear in a URL or an access log. What a page needs from an earlier step
(the details searched for, a registration awaiting confirmation, the ULNs just issued) is kept
in the server-side session.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.errors import DomainError, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.core.roles import Permission
from lrs.learners.choices import AbilityToShare, Gender, LearnerStatus, VerificationType
from lrs.learners.details import DATE_FIELDS, LearnerDetails
from lrs.learners.errors import LearnerNotFound, StaleVersion, UlnNotFoundForUpdate
from lrs.learners.match_reasons import (
    evidence_data,
    evidence_from_data,
    match_reasons,
    match_strength_words,
)
from lrs.learners.matching_adapter import LearnerMatch
from lrs.learners.models import Learner
from lrs.learners.selectors import (
    find_learner_by_uln,
    get_learner,
    list_learner_history,
    list_linked_ulns,
    search_learners,
)
from lrs.learners.services import (
    RegistrationResult,
    RegistrationStatus,
    register_learner,
    update_learner,
)
from lrs.matching import FieldEvidence, MatchKind
from lrs.portal.access import add_domain_errors, requires
from lrs.portal.forms.learners import (
    EditLearnerForm,
    FindByDetailsForm,
    FindByUlnForm,
    LearnerForm,
    from_session,
    search_to_learner_initial,
    to_session,
)

# Session keys. The session is stored server-side (database sessions), never in a cookie.
SEARCH_KEY = "lrs.learners.search"  # the last find by personal details, as entered
RESULTS_KEY = "lrs.learners.results"  # what the last find showed
PENDING_KEY = "lrs.learners.pending"  # a registration waiting for the user's confirmation
REGISTERED_KEY = "lrs.learners.registered"  # ULNs this session registered (confirmation page)
REGISTERED_KEPT = 20

# Kinds of result page, beyond the search outcomes (MatchKind values).
FOUND_BY_ULN = "uln"
ALREADY_REGISTERED = "already_registered"

ULN_NOT_FOUND = _(
    "No learner was found with this ULN and these names. Check the ULN, given name and family "
    "name, or find the learner by personal details."
)

# Values shown as their labels in the history table.
_CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "gender": dict(Gender.choices),
    "verification_type": dict(VerificationType.choices),
    "ability_to_share": dict(AbilityToShare.choices),
}
_HISTORY_ACTIONS: dict[str, Promise] = {
    AuditAction.LEARNER_REGISTERED: _("Registered"),
    AuditAction.LEARNER_IMPORTED: _("Imported"),
    AuditAction.LEARNER_UPDATED: _("Updated"),
}
_FIELD_LABELS: dict[str, Promise] = {
    "middle_other_name": _("Middle names"),
    "last_known_postcode": _("Postcode"),
    "last_known_address_town": _("Town or city"),
    "last_known_address_county_or_city": _("County"),
    "date_of_address_capture": _("Date the address was collected"),
    "ability_to_share": _("Privacy notice shared with the learner"),
    "upn": _("Unique Pupil Number (UPN)"),
    "uci": _("Unique Candidate Identifier (UCI)"),
}
_HIDDEN_FIELDS = frozenset({"upn"})  # user guide 4.2.2: the UPN cannot be displayed


# --- Session helpers --------------------------------------------------------------------------


def _snapshot(
    learner: Learner, evidence: Iterable[FieldEvidence] = (), probability: float | None = None
) -> dict[str, Any]:
    """What a results page shows of a learner, kept in the session between POST and GET."""
    return {
        "uln": learner.uln,
        "title": learner.title,
        "given_name": learner.given_name,
        "middle_other_name": learner.middle_other_name,
        "family_name": learner.family_name,
        "preferred_given_name": learner.preferred_given_name,
        "previous_family_name": learner.previous_family_name,
        "date_of_birth": learner.date_of_birth.isoformat(),
        "gender": learner.gender,
        "last_known_postcode": learner.last_known_postcode,
        "why": evidence_data(evidence),
        "probability": probability,
    }


def _snapshots(matches: Iterable[LearnerMatch]) -> list[dict[str, Any]]:
    return [
        _snapshot(match.learner, match.scored.evidence, match.scored.probability)
        for match in matches
    ]


def _match_rows(stored: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored learners as rows of a matches table, with dates and labels."""
    genders = dict(Gender.choices)
    rows = []
    for item in stored.get("matches", []):
        rows.append(
            {
                **item,
                "date_of_birth": datetime.date.fromisoformat(item["date_of_birth"]),
                "gender_label": genders.get(item["gender"], item["gender"]),
                # Results kept by an earlier release have no "why": no reasons, no error.
                "reasons": match_reasons(evidence_from_data(item.get("why"))),
                "strength": _strength(stored, item),
            }
        )
    return rows


def _strength(stored: dict[str, Any], item: dict[str, Any]) -> dict[str, str] | None:
    """A possible match's strength in words, with what it means (none for a found learner)."""
    if stored.get("kind") != MatchKind.POSSIBLE.value or item.get("probability") is None:
        return None
    return match_strength_words(item["probability"])


def _remember_registered(request: HttpRequest, uln: str) -> None:
    ulns = [*request.session.get(REGISTERED_KEY, []), uln][-REGISTERED_KEPT:]
    request.session[REGISTERED_KEY] = ulns


def _stored_search(request: HttpRequest) -> dict[str, Any]:
    return from_session(request.session.get(SEARCH_KEY, {}), FindByDetailsForm.DATE_FIELDS)


def _details_from_session(values: dict[str, Any]) -> LearnerDetails:
    return LearnerDetails.from_mapping(from_session(values, DATE_FIELDS))


def _show_service_errors(form: forms.Form, error: DomainError) -> None:
    """A service's refusal on the form: field messages by their fields, else one on top."""
    if isinstance(error, ValidationFailed) and error.field_errors:
        # The summary sentence lists field names in code form; the field messages say it all.
        error = ValidationFailed(field_errors=error.field_errors)
    add_domain_errors(form, error)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "portal/learners/not_found.html", {"message": message}, status=404)


# --- Find -------------------------------------------------------------------------------------


def _find_page(
    request: HttpRequest,
    *,
    uln_form: FindByUlnForm | None = None,
    details_form: FindByDetailsForm | None = None,
) -> HttpResponse:
    if details_form is None:
        initial = _stored_search(request) if request.GET.get("change") else None
        details_form = FindByDetailsForm(prefix="details", initial=initial)
    uln_form = uln_form or FindByUlnForm(prefix="uln")
    submitted = uln_form if uln_form.is_bound else details_form
    return render(
        request,
        "portal/learners/find.html",
        {"form": submitted, "uln_form": uln_form, "details_form": details_form},
    )


@requires(Permission.FIND_LEARNER)
def find_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _find_page(request)


@requires(Permission.FIND_LEARNER)
def find_by_uln_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method != "POST":
        return redirect("portal:learner-find")
    form = FindByUlnForm(request.POST, prefix="uln")
    if form.is_valid():
        try:
            found = find_learner_by_uln(
                uln=form.cleaned_data["uln"],
                given_name=form.cleaned_data["given_name"],
                family_name=form.cleaned_data["family_name"],
                actor=actor,
            )
        except LearnerNotFound:
            # One message whether the ULN is unknown or the names are wrong: no ULN mining.
            form.add_error("uln", str(ULN_NOT_FOUND))
        except ValidationFailed as exc:
            _show_service_errors(form, exc)
        else:
            request.session[RESULTS_KEY] = {
                "kind": FOUND_BY_ULN,
                "searched_uln": found.searched_uln,
                "master_substituted": found.master_substituted,
                "matches": [_snapshot(found.learner)],
            }
            return redirect("portal:learner-results")
    return _find_page(request, uln_form=form)


@requires(Permission.FIND_LEARNER)
def find_by_details_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method != "POST":
        return redirect("portal:learner-find")
    form = FindByDetailsForm(request.POST, prefix="details")
    if form.is_valid():
        try:
            outcome = search_learners(details=form.to_details(), actor=actor)
        except ValidationFailed as exc:
            _show_service_errors(form, exc)
        else:
            request.session[SEARCH_KEY] = to_session(form.cleaned_data)
            request.session[RESULTS_KEY] = {
                "kind": outcome.kind.value,
                "matches": _snapshots(outcome.matches),
            }
            return redirect("portal:learner-results")
    return _find_page(request, details_form=form)


@requires(Permission.FIND_LEARNER)
def results_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    stored = request.session.get(RESULTS_KEY)
    if not stored:
        return redirect("portal:learner-find")
    kind = stored["kind"]
    searched = _stored_search(request)
    context = {
        "kind": kind,
        "matches": _match_rows(stored),
        "searched": searched,
        "searched_gender": dict(Gender.choices).get(searched.get("gender", ""), ""),
        "register_url": reverse("portal:learner-register") + "?from=search",
        "searched_uln": stored.get("searched_uln", ""),
        "master_substituted": stored.get("master_substituted", False),
        "can_register": actor.can(Permission.REGISTER_LEARNER),
        "from_details_search": kind in {k.value for k in MatchKind},
    }
    if kind == MatchKind.NONE.value:
        return render(request, "portal/learners/no_match.html", context)
    if kind == MatchKind.TOO_MANY.value:
        return render(request, "portal/learners/too_many.html", context)
    return render(request, "portal/learners/results.html", context)


# --- Register ---------------------------------------------------------------------------------


def _after_registration(
    request: HttpRequest, actor: Actor, details: LearnerDetails, result: RegistrationResult
) -> HttpResponse:
    if result.status is RegistrationStatus.REGISTERED:
        assert result.learner is not None
        request.session.pop(PENDING_KEY, None)
        _remember_registered(request, result.learner.uln)
        return redirect("portal:learner-registered", uln=result.learner.uln)
    if result.status is RegistrationStatus.ALREADY_REGISTERED:
        request.session.pop(PENDING_KEY, None)
        request.session[RESULTS_KEY] = {
            "kind": ALREADY_REGISTERED,
            "matches": _snapshots(result.search.matches),
        }
        return redirect("portal:learner-results")
    request.session[PENDING_KEY] = {
        "details": to_session(details.as_model_fields()),
        "kind": result.search.kind.value,
        "matches": _snapshots(result.search.matches),
    }
    return redirect("portal:learner-register-confirm")


def _register_initial(request: HttpRequest) -> dict[str, Any] | None:
    source = request.GET.get("from")
    if source == "search":
        return search_to_learner_initial(_stored_search(request))
    if source == "pending" and PENDING_KEY in request.session:
        return from_session(request.session[PENDING_KEY]["details"], DATE_FIELDS)
    return None


@requires(Permission.REGISTER_LEARNER)
def register_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        form = LearnerForm(request.POST)
        if form.is_valid():
            details = form.to_details()
            try:
                result = register_learner(details=details, actor=actor)
            except DomainError as exc:
                _show_service_errors(form, exc)
            else:
                return _after_registration(request, actor, details, result)
    else:
        form = LearnerForm(initial=_register_initial(request))
    context = {"form": form, "find_url": reverse("portal:learner-find")}
    return render(request, "portal/learners/register.html", context)


@requires(Permission.REGISTER_LEARNER)
def register_confirm_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return redirect("portal:learner-register")
    form = forms.Form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        details = _details_from_session(pending["details"])
        try:
            result = register_learner(details=details, actor=actor, confirm_not_possible_match=True)
        except DomainError as exc:
            _show_service_errors(form, exc)
        else:
            return _after_registration(request, actor, details, result)
    registering = _details_from_session(pending["details"])
    names = (registering.given_name, registering.middle_other_name, registering.family_name)
    context = {
        "form": form,
        "cancel_url": reverse("portal:learner-register") + "?from=pending",
        "registering": registering,
        "registering_name": " ".join(name for name in names if name),
        "registering_gender": dict(Gender.choices).get(registering.gender, ""),
        "too_many": pending["kind"] == MatchKind.TOO_MANY.value,
        "matches": _match_rows(pending),
    }
    return render(request, "portal/learners/register_confirm.html", context)


@requires(Permission.REGISTER_LEARNER)
def registered_view(request: HttpRequest, actor: Actor, uln: str) -> HttpResponse:
    if uln not in request.session.get(REGISTERED_KEY, []):
        raise Http404
    return render(request, "portal/learners/registered.html", {"uln": uln})


# --- Profile and edit -------------------------------------------------------------------------


def _history_value(name: str, value: Any) -> Any:
    if value in (None, ""):
        return None
    if name in DATE_FIELDS and isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    if name in _CHOICE_LABELS:
        return _CHOICE_LABELS[name].get(value, value)
    return value


def _field_label(name: str) -> str:
    if name in _FIELD_LABELS:
        return str(_FIELD_LABELS[name])
    try:
        field = Learner._meta.get_field(name)
    except FieldDoesNotExist:  # a field since removed from the model
        return name
    assert isinstance(field, Field)  # a change names one of the learner's own fields
    label = field.verbose_name
    text = str(label)
    return text[:1].upper() + text[1:]


def _history_rows(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    channels = dict(Channel.choices)
    rows = []
    for event in events:
        changes = []
        for name, values in (event.changes or {}).items():
            old, new = [*values, None, None][:2]
            hidden = name in _HIDDEN_FIELDS
            old = None if hidden else _history_value(name, old)
            new = None if hidden else _history_value(name, new)
            changes.append(
                {
                    "label": _field_label(name),
                    "hidden": hidden,
                    "old": old,
                    "new": new,
                    "old_is_date": isinstance(old, datetime.date),
                    "new_is_date": isinstance(new, datetime.date),
                }
            )
        rows.append(
            {
                "when": event.occurred_at,
                "action": _HISTORY_ACTIONS.get(event.action, event.action),
                "is_registration": event.action != AuditAction.LEARNER_UPDATED,
                "username": event.username,
                "organisation": event.organisation_name,
                "channel": channels.get(event.channel, event.channel),
                "version_number": event.version_number,
                "changes": changes,
            }
        )
    return rows


@requires(Permission.FIND_LEARNER)
def detail_view(request: HttpRequest, actor: Actor, uln: str) -> HttpResponse:
    try:
        learner = get_learner(uln=uln, actor=actor)
    except LearnerNotFound as exc:
        return _not_found(request, exc.message)
    can_see_history = actor.can(Permission.VIEW_LEARNER_HISTORY)
    history = (
        _history_rows(list_learner_history(learner=learner, actor=actor)) if can_see_history else []
    )
    context = {
        "learner": learner,
        "linked_ulns": list_linked_ulns(learner),
        "is_active": learner.learner_status == LearnerStatus.ACTIVE,
        "can_edit": actor.can(Permission.UPDATE_LEARNER)
        and not learner.is_linked
        and not learner.is_deceased,
        "can_raise_challenge": actor.can(Permission.RAISE_CHALLENGE),
        "can_see_history": can_see_history,
        "can_view_plr": actor.can(Permission.VIEW_PLR),
        "history": history,
    }
    return render(request, "portal/learners/detail.html", context)


def _edit_initial(learner: Learner) -> dict[str, Any]:
    initial = LearnerDetails.from_learner(learner).as_model_fields()
    initial["upn"] = ""  # never shown (user guide 4.2.2)
    initial["version_number"] = learner.version_number
    return initial


@requires(Permission.UPDATE_LEARNER)
def edit_view(request: HttpRequest, actor: Actor, uln: str) -> HttpResponse:
    stale = False
    if request.method == "POST":
        form = EditLearnerForm(request.POST)
        if form.is_valid():
            try:
                result = update_learner(
                    uln=uln,
                    version_number=form.cleaned_data["version_number"],
                    changes=form.changes(),
                    actor=actor,
                )
            except UlnNotFoundForUpdate as exc:
                return _not_found(request, exc.message)
            except StaleVersion as exc:
                stale = True
                form.add_error(None, exc.message)
            except DomainError as exc:
                _show_service_errors(form, exc)
            else:
                if result.changed:
                    messages.success(request, gettext("The learner's details have been updated."))
                else:
                    messages.info(
                        request, gettext("No changes found, therefore the learner was not updated.")
                    )
                return redirect("portal:learner-detail", uln=uln)
    try:
        learner = get_learner(uln=uln, actor=actor)
    except LearnerNotFound as exc:
        return _not_found(request, exc.message)
    if request.method != "POST":
        form = EditLearnerForm(initial=_edit_initial(learner))
    context = {"form": form, "learner": learner, "stale": stale}
    return render(request, "portal/learners/edit.html", context)


urlpatterns = [
    path("learners/find/", find_view, name="learner-find"),
    path("learners/find/uln/", find_by_uln_view, name="learner-find-uln"),
    path("learners/find/details/", find_by_details_view, name="learner-find-details"),
    path("learners/find/results/", results_view, name="learner-results"),
    path("learners/register/", register_view, name="learner-register"),
    path("learners/register/confirm/", register_confirm_view, name="learner-register-confirm"),
    path("learners/registered/<str:uln>/", registered_view, name="learner-registered"),
    path("learners/<str:uln>/", detail_view, name="learner-detail"),
    path("learners/<str:uln>/edit/", edit_view, name="learner-edit"),
]
