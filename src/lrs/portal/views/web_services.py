"""The organisation's web-service password (SOAP `OrgPassword`), set and rotated by its super
user. The rules (length, hashing, audit, unlocking) are in
``lrs.organisations.services.web_services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lrs.core.actor import Actor
from lrs.core.errors import ValidationFailed
from lrs.core.roles import Permission
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import get_web_service_credential, set_web_service_password
from lrs.portal.access import add_domain_errors, requires
from lrs.portal.forms.web_services import WebServicePasswordForm


@never_cache
@requires(Permission.MANAGE_USERS)
def web_services_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = WebServicePasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            set_web_service_password(actor=actor, password=form.cleaned_data["password"])
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The web-service password is set. Give it to the people who configure your "
                    "MIS software; the old password no longer works."
                ),
            )
            return redirect("portal:web-services")
    return render(
        request,
        "portal/web_services/password.html",
        {
            "form": form,
            "credential": get_web_service_credential(actor=actor),
            "organisation": acting_organisation(actor),
            "endpoint": request.build_absolute_uri("/LearnerService.svc"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("web-services/", web_services_view, name="web-services"),
]
