"""The matching model's page for the service desk: fit it from the register (a worker job),
read a version's report, switch searches to it or back (issue 13, docs/adr/0008).

The same actions as `lrs fit-matching --queue`, `--report V` and `--use V|default`; the rules
(who may, one fit at a time, the audit) are in `lrs.challenges.model_fits`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lrs.challenges.model_fits import NoSuchModelVersion, request_fit_run, switch_matching_model
from lrs.challenges.selectors import list_fit_runs, list_model_versions, model_version_report
from lrs.core.actor import Actor
from lrs.core.roles import Permission
from lrs.learners.matching_fit import OUTCOMES
from lrs.portal.access import requires


@requires(Permission.RESOLVE_CHALLENGE)
def matching_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        _run, new = request_fit_run(
            actor=actor, with_decisions=request.POST.get("with_decisions") == "1"
        )
        if new:
            messages.success(
                request,
                _(
                    "The matching model will be fitted shortly. Its new version is not used "
                    "until you read its report and switch to it."
                ),
            )
        else:
            messages.info(request, _("A fit of the matching model is already queued or running."))
        return redirect("portal:matching-model")
    runs = list_fit_runs(actor=actor)
    for run in runs:
        run.percent = (  # type: ignore[attr-defined]
            round(100 * run.processed / run.total) if run.total else None
        )
    versions = list_model_versions(actor=actor)
    in_use = next((model.pk for model in versions if model.active), None)
    return render(
        request,
        "portal/challenges/matching.html",
        {"runs": runs, "versions": versions, "in_use": in_use},
    )


@requires(Permission.RESOLVE_CHALLENGE)
def matching_version_view(request: HttpRequest, actor: Actor, version: int) -> HttpResponse:
    try:
        report = model_version_report(actor=actor, version=version)
    except NoSuchModelVersion as error:
        raise Http404 from error
    return render(
        request,
        "portal/challenges/matching_version.html",
        {"report": report, "decision_rows": _decision_rows(report.decisions)},
    )


def _decision_rows(decisions: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The labelled matches and non-matches: each outcome's pairs now and with the version."""
    if decisions is None:
        return []
    rows = []
    for label, name in (
        ("matches", _("Labelled matches")),
        ("non_matches", _("Labelled non-matches")),
    ):
        tally = decisions[label]
        if not tally["pairs"]:
            continue
        rows.append(
            {
                "name": name,
                "pairs": tally["pairs"],
                "outcomes": [
                    (outcome, tally["current"][outcome], tally["new"][outcome])
                    for outcome in OUTCOMES
                ],
                "changes": sorted(tally["changes"].items()),
            }
        )
    return rows


@require_POST
@requires(Permission.RESOLVE_CHALLENGE)
def matching_switch_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    wanted = request.POST.get("version", "")
    if wanted == "default":
        switch_matching_model(actor=actor, version=None)
        messages.success(request, _("Searches now use the shipped matching model."))
        return redirect("portal:matching-model")
    if not wanted.isdigit():
        raise Http404
    try:
        switch_matching_model(actor=actor, version=int(wanted))
    except NoSuchModelVersion as error:
        raise Http404 from error
    messages.success(
        request,
        _("Searches now use version %(version)s of the matching model.") % {"version": wanted},
    )
    return redirect("portal:matching-model")


urlpatterns: list[URLPattern] = [
    path("service-desk/matching-model/", matching_view, name="matching-model"),
    path("service-desk/matching-model/switch/", matching_switch_view, name="matching-model-switch"),
    path(
        "service-desk/matching-model/<int:version>/",
        matching_version_view,
        name="matching-model-version",
    ),
]
