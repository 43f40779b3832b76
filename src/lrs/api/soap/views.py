"""The SOAP endpoints: POST a SOAP 1.1 envelope; GET ?wsdl or ?xsd=NAME for the contract."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from lrs.api.soap import envelope
from lrs.api.soap.auth import actor_for_request
from lrs.api.soap.learner_service import OPERATIONS
from lrs.core.errors import DomainError, PermissionDenied

XML = "text/xml; charset=utf-8"


def _xml(body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, content_type=XML, status=status)


def _fault(error: envelope.SoapFault) -> HttpResponse:
    # SOAP 1.1 over HTTP (and WS-I Basic Profile R1126): a fault goes back with status 500,
    # which is what the real service's clients (WCF, JAX-WS, zeep) expect of a fault.
    return _xml(envelope.fault_envelope(error), status=500)


def _contract(request: HttpRequest) -> HttpResponse:
    if "wsdl" in request.GET or "WSDL" in request.GET:
        address = request.build_absolute_uri(request.path)
        text = (envelope.SCHEMA_DIR / "LearnerService.wsdl").read_text(encoding="utf-8")
        return _xml(text.replace("{ADDRESS}", address).encode())
    name = request.GET.get("xsd", "")
    if name in envelope.SCHEMA_NAMES:
        return _xml((envelope.SCHEMA_DIR / f"{name}.xsd").read_bytes())
    return HttpResponse(
        "LearnerService.svc: POST SOAP 1.1 requests here; the contract is at ?wsdl.\n",
        content_type="text/plain; charset=utf-8",
        status=404 if name else 200,
    )


def _read_body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > envelope.MAX_REQUEST_BYTES:
        raise envelope.fault(
            "WSEC0001",
            f"The request is larger than the service accepts ({envelope.MAX_REQUEST_BYTES} bytes).",
        )
    try:
        return request.body
    except RequestDataTooBig:
        raise envelope.fault(
            "WSEC0001", "The request is larger than the service accepts."
        ) from None


def _answer(raw: bytes) -> HttpResponse:
    operation = envelope.parse_body(raw)
    handler = OPERATIONS.get(operation.tag)
    if handler is None:
        raise envelope.fault(
            "WSEC0002", f"'{operation.tag}' is not an operation of LearnerService.svc."
        )
    envelope.validate(operation)
    actor = actor_for_request(operation)
    try:
        return _xml(envelope.envelope(handler(operation, actor)))
    except PermissionDenied:
        raise envelope.fault("WSEC0006", "The user's roles do not allow this operation.") from None
    except DomainError as exc:
        raise envelope.fault("WSEC0001", exc.message) from None


@csrf_exempt
def learner_service(request: HttpRequest) -> HttpResponse:
    """LearnerService.svc: find, register, update, verify, retrieve ULNs."""
    if request.method in ("GET", "HEAD"):
        return _contract(request)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    try:
        return _answer(_read_body(request))
    except envelope.VersionMismatch:
        return _xml(envelope.version_mismatch_envelope(), status=500)
    except envelope.SoapFault as error:
        return _fault(error)
