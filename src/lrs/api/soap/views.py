"""The SOAP endpoints: POST a SOAP 1.1 envelope; GET ?wsdl or ?xsd=NAME for the contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

from lrs.api.soap import envelope, learner_service, learner_service_r9
from lrs.api.soap.auth import actor_for_r9_request, actor_for_request
from lrs.core.actor import Actor
from lrs.core.errors import DomainError, PermissionDenied

XML = "text/xml; charset=utf-8"


@dataclass(frozen=True)
class Service:
    name: str
    wsdl: str
    schemas: tuple[str, ...]
    operations: dict[str, Callable[[etree._Element, Actor], etree._Element]]
    actor_for: Callable[[etree._Element], Actor]
    fault_envelope: Callable[[envelope.SoapFault], bytes]


LEARNER_SERVICE = Service(
    name="LearnerService.svc",
    wsdl="LearnerService.wsdl",
    schemas=envelope.LEARNER_SERVICE_SCHEMAS,
    operations=learner_service.OPERATIONS,
    actor_for=actor_for_request,
    fault_envelope=envelope.fault_envelope,
)
LEARNER_SERVICE_R9 = Service(
    name="LearnerServiceR9.svc",
    wsdl="LearnerServiceR9.wsdl",
    schemas=envelope.R9_SCHEMAS,
    operations=learner_service_r9.OPERATIONS,
    actor_for=actor_for_r9_request,
    fault_envelope=envelope.domain_fault_envelope,
)


def _xml(body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, content_type=XML, status=status)


def _contract(request: HttpRequest, service: Service) -> HttpResponse:
    if "wsdl" in request.GET or "WSDL" in request.GET:
        address = request.build_absolute_uri(request.path)
        text = (envelope.SCHEMA_DIR / service.wsdl).read_text(encoding="utf-8")
        return _xml(text.replace("{ADDRESS}", address).encode())
    name = request.GET.get("xsd", "")
    if name in service.schemas:
        return _xml((envelope.SCHEMA_DIR / f"{name}.xsd").read_bytes())
    return HttpResponse(
        f"{service.name}: POST SOAP 1.1 requests here; the contract is at ?wsdl.\n",
        content_type="text/plain; charset=utf-8",
        status=404 if name else 200,
    )


def _read_body(request: HttpRequest) -> bytes:
    limit = envelope.MAX_REQUEST_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise envelope.fault(
            "WSEC0001", f"The request is larger than the service accepts ({limit} bytes)."
        )
    try:
        return request.body
    except RequestDataTooBig:
        raise envelope.fault(
            "WSEC0001", f"The request is larger than the service accepts ({limit} bytes)."
        ) from None


def _answer(raw: bytes, service: Service) -> HttpResponse:
    operation = envelope.parse_body(raw)
    handler = service.operations.get(operation.tag)
    if handler is None:
        raise envelope.fault(
            "WSEC0002", f"'{operation.tag}' is not an operation of {service.name}."
        )
    envelope.validate(operation)
    actor = service.actor_for(operation)
    try:
        return _xml(envelope.envelope(handler(operation, actor)))
    except PermissionDenied:
        raise envelope.fault("WSEC0006", "The user's roles do not allow this operation.") from None
    except DomainError as exc:
        raise envelope.fault("WSEC0001", exc.message) from None


def _serve(request: HttpRequest, service: Service) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return _contract(request, service)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    try:
        return _answer(_read_body(request), service)
    except envelope.VersionMismatch:
        return _xml(envelope.version_mismatch_envelope(), status=500)
    except envelope.SoapFault as error:
        # SOAP 1.1 over HTTP (and WS-I Basic Profile R1126): a fault goes back with status
        # 500, which is what the real service's clients (WCF, JAX-WS, zeep) expect of a fault.
        return _xml(service.fault_envelope(error), status=500)


@csrf_exempt
def learner_service_view(request: HttpRequest) -> HttpResponse:
    """LearnerService.svc: find, register, update, verify, retrieve ULNs."""
    return _serve(request, LEARNER_SERVICE)


@csrf_exempt
def learner_service_r9_view(request: HttpRequest) -> HttpResponse:
    """LearnerServiceR9.svc: the Personal Learning Record."""
    return _serve(request, LEARNER_SERVICE_R9)
