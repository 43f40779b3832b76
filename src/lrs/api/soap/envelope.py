"""SOAP 1.1 envelopes: parse a request safely, validate its body against our schemas, and write
responses and faults in the real service's shapes.

Untrusted XML: lxml with entity resolution, DTD loading and network access off, a size limit
before parsing, and any DOCTYPE refused outright (no entity can be declared, so none expands).
"""

from __future__ import annotations

import base64
import datetime
import threading
from pathlib import Path
from typing import Any

from django.utils import timezone
from lxml import etree

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
EXCEPTIONS_NS = "http://api.lrs.miap.gov.uk/exceptions"
LEARNER_NS = "http://api.lrs.miap.gov.uk/learner"
FIND_NS = "http://api.lrs.miap.gov.uk/findmsg"
REG_NS = "http://api.lrs.miap.gov.uk/regmsg"
REPORT_NS = "http://api.lrs.miap.gov.uk/reportmsg"
BATCH_NS = "http://api.lrs.miap.gov.uk/batchmsg"
VERIFY_NS = "http://api.lrs.miap.gov.uk/vldmsg"

SCHEMA_DIR = Path(__file__).resolve().parent / "wsdl"
LEARNER_SERVICE_SCHEMAS = (
    "learner",
    "findmsg",
    "regmsg",
    "reportmsg",
    "batchmsg",
    "vldmsg",
    "exceptions",
)
R9_SCHEMAS = ("r9", "r9org", "r9common", "r9model", "r9learner", "r9arrays", "r9faults")
# Imported by r9 (directly or through r9model), not by the wrapper that validates requests.
_R9_IMPORTED = frozenset({"r9org", "r9common", "r9model", "r9learner", "r9arrays"})
SCHEMA_NAMES = LEARNER_SERVICE_SCHEMAS + R9_SCHEMAS
R9_NS = "http://tempuri.org/"
R9_ORG_NS = "http://schemas.datacontract.org/2004/07/Amor.Qcf.Service.Interface"
R9_COMMON_NS = "http://schemas.datacontract.org/2004/07/Amor.Qcf.Common"
R9_LEARNER_NS = "http://schemas.datacontract.org/2004/07/Amor.Qcf.MIAPModel"
ARRAYS_NS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
R9_MODEL_NS = "http://api.lrs.qcf.gov.uk/model"
R9_FAULTS_NS = "http://api.lrs.qcf.gov.uk/faults"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_REQUEST_BYTES = 256 * 1024

# The real service's fault: faultstring and ErrorActor name its Java classes.
FAULT_STRING = "uk.gov.miap.lrs.api.exceptions.MIAPAPIException"
ERROR_ACTOR = "uk.gov.miap.lrs.api.learner.utils.MSGValidator.validateSOAPMSG()"


class SoapFault(Exception):
    """A request refused with the real service's MIAPAPIException (WSEC codes)."""

    def __init__(self, code: str, description: str, further_details: str = "") -> None:
        self.code = code
        self.description = description
        self.further_details = further_details
        super().__init__(f"{code}: {description} {further_details}")


class VersionMismatch(Exception):
    """The envelope is not SOAP 1.1 (the real bindings are BasicHttpBinding: SOAP 1.1 only)."""


# The real service's descriptions of its error codes (Tribal ebs MIAP appendices, §3.4).
DESCRIPTIONS = {
    "WSEC0001": (
        "Invalid request, The request was badly formed - this may include missing mandatory "
        "parameters, or invalid data types."
    ),
    "WSEC0002": "Unknown request, The operation requested is not recognised.",
    "WSEC0003": "Unknown organisation, The organisation is not recognised.",
    "WSEC0005": "Incorrect password, The organisation password is not correct.",
    "WSEC0006": "Insufficient access, The user does not have access to this operation.",
}


def fault(code: str, further_details: str = "") -> SoapFault:
    return SoapFault(code, DESCRIPTIONS[code], further_details)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_body(raw: bytes) -> etree._Element:
    """The operation element of a SOAP 1.1 request, or SoapFault (WSEC0001) / VersionMismatch."""
    if len(raw) > MAX_REQUEST_BYTES:
        raise fault(
            "WSEC0001",
            f"The request is larger than the service accepts ({MAX_REQUEST_BYTES} bytes).",
        )
    if not raw.strip():
        raise fault("WSEC0001", "The request is empty: send a SOAP 1.1 envelope.")
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise fault("WSEC0001", f"The request is not well-formed XML: {exc.msg}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise fault("WSEC0001", "A document type declaration (DOCTYPE) is not allowed.")
    if root.tag == f"{{{SOAP12_NS}}}Envelope":
        raise VersionMismatch()
    if root.tag != f"{{{SOAP11_NS}}}Envelope":
        if root.tag.endswith("}Envelope") or root.tag == "Envelope":
            raise VersionMismatch()
        raise fault("WSEC0001", f"The request is not a SOAP envelope (root element {root.tag}).")
    bodies = root.findall(f"{{{SOAP11_NS}}}Body")
    if len(bodies) != 1:
        raise fault("WSEC0001", "The envelope must have exactly one soapenv:Body.")
    operations = [child for child in bodies[0] if isinstance(child.tag, str)]
    if len(operations) != 1:
        raise fault("WSEC0001", "The soapenv:Body must hold exactly one request element.")
    return operations[0]


class _LocalSchemas(etree.Resolver):
    """Resolve `LearnerService.svc?xsd=NAME` (and R9's) to the schema file beside this module."""

    def resolve(self, url: str, pubid: str, context: Any) -> Any:
        name = url.rsplit("?xsd=", 1)[-1]
        if name in SCHEMA_NAMES:
            return self.resolve_filename(str(SCHEMA_DIR / f"{name}.xsd"), context)
        return None


_local = threading.local()


def request_schema() -> etree.XMLSchema:
    """One schema over every message namespace, built once per thread (a validator and its
    error log are not shared between threads) from the files served at ?xsd=NAME."""
    schema = getattr(_local, "schema", None)
    if schema is None:
        schema = _local.schema = _build_schema()
    return schema


def _build_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(_LocalSchemas())
    namespaces = {
        name: etree.parse(str(SCHEMA_DIR / f"{name}.xsd")).getroot().get("targetNamespace")
        for name in SCHEMA_NAMES
    }
    imports = "".join(
        f'<xs:import namespace="{namespace}" schemaLocation="LearnerService.svc?xsd={name}"/>'
        for name, namespace in namespaces.items()
        if name not in _R9_IMPORTED
    )
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="urn:lrs:soap:all">{imports}</xs:schema>'
    )
    document = etree.fromstring(wrapper.encode(), parser=parser, base_url=str(SCHEMA_DIR) + "/")
    return etree.XMLSchema(document)


def _further_details(error: Any) -> str:
    """libxml2's message names the element and the rule; add where it is."""
    message = str(error.message)
    path = error.path or ""
    return f"{message} (at {path})" if path else message


def validate(operation: etree._Element) -> None:
    """SoapFault WSEC0001 naming the first element that breaks a rule of our schemas."""
    schema = request_schema()
    if schema.validate(operation):
        return
    error = schema.error_log[0]
    raise fault("WSEC0001", _further_details(error))


def sub(parent: etree._Element, name: str, value: str | None, *, keep_empty: bool = False) -> None:
    """Append <name>value</name> unless the value is empty (the real service leaves those out)."""
    if value in (None, "") and not keep_empty:
        return
    element = etree.SubElement(parent, name)
    if value not in (None, ""):
        element.text = str(value)


def envelope(body_element: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP11_NS}}}Envelope", nsmap={"soapenv": SOAP11_NS})
    body = etree.SubElement(env, f"{{{SOAP11_NS}}}Body")
    body.append(body_element)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault_envelope(error: SoapFault, *, now: datetime.datetime | None = None) -> bytes:
    """The real service's fault: soapenv:Server, its faultstring, and MIAPAPIException."""
    env = etree.Element(f"{{{SOAP11_NS}}}Envelope", nsmap={"soapenv": SOAP11_NS})
    body = etree.SubElement(env, f"{{{SOAP11_NS}}}Body")
    soap_fault = etree.SubElement(body, f"{{{SOAP11_NS}}}Fault")
    etree.SubElement(soap_fault, "faultcode").text = "soapenv:Server"
    etree.SubElement(soap_fault, "faultstring").text = FAULT_STRING
    detail = etree.SubElement(soap_fault, "detail")
    exception = etree.SubElement(
        detail, f"{{{EXCEPTIONS_NS}}}MIAPAPIException", nsmap={"ns10": EXCEPTIONS_NS}
    )
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y-%m-%d %H:%M:%S")
    for name, value in (
        ("ErrorCode", error.code),
        ("ErrorActor", ERROR_ACTOR),
        ("Description", error.description),
        ("FurtherDetails", error.further_details),
        ("ErrorTimestamp", stamp),
    ):
        etree.SubElement(exception, name).text = value
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def domain_fault_envelope(error: SoapFault) -> bytes:
    """LearnerServiceR9.svc's fault (WCF FaultException<DomainFault>): the code, and the
    details as ErrorDetail (bytes, so base64)."""
    env = etree.Element(f"{{{SOAP11_NS}}}Envelope", nsmap={"s": SOAP11_NS})
    body = etree.SubElement(env, f"{{{SOAP11_NS}}}Body")
    soap_fault = etree.SubElement(body, f"{{{SOAP11_NS}}}Fault")
    etree.SubElement(soap_fault, "faultcode").text = "s:Client"
    etree.SubElement(soap_fault, "faultstring").text = error.description
    detail = etree.SubElement(soap_fault, "detail")
    domain = etree.SubElement(detail, f"{{{R9_FAULTS_NS}}}DomainFault", nsmap={None: R9_FAULTS_NS})
    etree.SubElement(domain, f"{{{R9_FAULTS_NS}}}ErrorCode").text = error.code
    etree.SubElement(domain, f"{{{R9_FAULTS_NS}}}ErrorDetail").text = base64.b64encode(
        (error.further_details or error.description).encode()
    ).decode()
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def version_mismatch_envelope() -> bytes:
    """SOAP 1.1's answer to an envelope of another version (SOAP 1.1 section 4.4.1)."""
    env = etree.Element(f"{{{SOAP11_NS}}}Envelope", nsmap={"soapenv": SOAP11_NS})
    body = etree.SubElement(env, f"{{{SOAP11_NS}}}Body")
    soap_fault = etree.SubElement(body, f"{{{SOAP11_NS}}}Fault")
    etree.SubElement(soap_fault, "faultcode").text = "soapenv:VersionMismatch"
    etree.SubElement(soap_fault, "faultstring").text = (
        "This service accepts SOAP 1.1 envelopes only "
        "(namespace http://schemas.xmlsoap.org/soap/envelope/)."
    )
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def text_of(element: etree._Element, name: str) -> str | None:
    """The text of an unqualified child, "" when empty, None when absent or xsi:nil."""
    child = element.find(name)
    if child is None:
        return None
    if child.get("{http://www.w3.org/2001/XMLSchema-instance}nil") in ("true", "1"):
        return None
    return (child.text or "").strip()
