"""The security event log, for the service desk only (issue 19 item 14)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache

from lrs.core.actor import Actor
from lrs.core.models import AuditEvent
from lrs.core.roles import Permission
from lrs.core.security import SECURITY_EVENTS, list_security_events
from lrs.portal.access import requires
from lrs.portal.pagination import paginate

EVENTS_PER_PAGE = 50


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    label: str
    details: str

    @classmethod
    def of(cls, event: AuditEvent) -> EventRow:
        details = "; ".join(
            f"{name}: {value}" for name, value in sorted(event.details.items()) if value != ""
        )
        return cls(event=event, label=str(SECURITY_EVENTS.get(event.action, "")), details=details)


@never_cache
@requires(Permission.MANAGE_ORGANISATIONS)
def security_events_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    kind = request.GET.get("kind", "")
    events = list_security_events(actor=actor, kind=kind)
    page, pages = paginate(request, events, EVENTS_PER_PAGE)
    return render(
        request,
        "portal/service_desk/security_events.html",
        {
            "kinds": [(value, str(label)) for value, label in SECURITY_EVENTS.items()],
            "kind": kind if kind in SECURITY_EVENTS else "",
            "rows": [EventRow.of(event) for event in page.object_list],
            "page": page,
            "pagination": pages,
        },
    )


urlpatterns: list[URLPattern] = [
    path("service-desk/security/", security_events_view, name="security-events"),
]
