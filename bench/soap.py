"""Benchmark the SOAP layer: learnerByDemographics through LearnerService.svc beside the JSON
API's search, the same queries against the same register, in the same run.

    .venv/bin/python -m bench.soap --learners 100000 [--searches 500]
        [--database-url postgres://postgres@127.0.0.1:5432/lrs_bench] [--workdir DIR --reuse]

Builds the register as bench/register.py does (`lrs import-learners`), then sends each query
twice through Django's test client (no network): once as `POST /api/v1/learners/search` with a
bearer token, once as a SOAP 1.1 envelope built the way the public clients build it (UKPRN,
OrgPassword and UserName in the body). The two are interleaved, so both see the same caches.
Prints p50/p95 of each and what SOAP adds (target: no more than 30 % over the JSON figure).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from typing import Any
from xml.sax.saxutils import escape

from bench.register import _percentile, load_bench_register

ORG_PASSWORD = "Bench-web-service-1"  # noqa: S105 - a benchmark's own organisation


def _envelope(query: Any, ukprn: str, username: str) -> bytes:
    def e(value: str) -> str:
        return escape(value or "")

    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:fin="http://api.lrs.miap.gov.uk/findmsg"><soapenv:Header/><soapenv:Body>'
        "<fin:FindLearnerByDemographics><FindType>FUL</FindType>"
        f"<UKPRN>{ukprn}</UKPRN><OrgPassword>{ORG_PASSWORD}</OrgPassword>"
        f"<UserName>{username}</UserName>"
        f"<FamilyName>{e(query.family_name)}</FamilyName>"
        f"<GivenName>{e(query.given_name)}</GivenName>"
        f"<DateOfBirth>{query.date_of_birth.isoformat()}</DateOfBirth>"
        f"<Gender>{query.gender}</Gender>"
        f"<LastKnownPostCode>{e(query.last_known_postcode)}</LastKnownPostCode>"
        f"<PreviousFamilyName>{e(query.previous_family_name)}</PreviousFamilyName>"
        "<SchoolAtAge16></SchoolAtAge16><PlaceOfBirth></PlaceOfBirth>"
        f"<EmailAddress>{e(query.email_address)}</EmailAddress>"
        "</fin:FindLearnerByDemographics></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _json(query: Any) -> str:
    return json.dumps(
        {
            "given_name": query.given_name,
            "family_name": query.family_name,
            "date_of_birth": query.date_of_birth.isoformat(),
            "gender": query.gender,
            "last_known_postcode": query.last_known_postcode,
            "previous_family_name": query.previous_family_name or "",
            "email_address": query.email_address or "",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", help="keep the SQLite database and CSV here")
    parser.add_argument("--reuse", action="store_true", help="reuse an earlier run's database")
    args = parser.parse_args()

    register = load_bench_register(
        learners=args.learners,
        seed=args.seed,
        workdir=args.workdir,
        database_url=args.database_url,
        reuse=args.reuse,
        prefix="lrs-bench-soap-",
    )
    from django.db import connection
    from django.test import Client
    from lxml import etree

    from lrs.core.actor import Actor, Channel
    from lrs.organisations.models import Organisation, User
    from lrs.organisations.services import (
        create_organisation,
        create_user,
        issue_api_token,
        service_desk_system_actor,
        set_web_service_password,
    )
    from lrs.synthetic import generate_queries

    system = service_desk_system_actor(channel=Channel.CLI)
    organisation = Organisation.objects.filter(ukprn="10077778").first() or create_organisation(
        actor=system,
        ukprn="10077778",
        name="Bench SOAP College",
        organisation_type="college",
        granted_roles=["view", "super"],
    )

    def user(username: str, roles: list[str]) -> User:
        found = User.objects.filter(username=username).first()
        return (
            found
            or create_user(
                actor=system, organisation=organisation, username=username, roles=roles
            ).user
        )

    finder = user("bench.soap", ["view"])
    admin = user("bench.super", ["super"])
    set_web_service_password(actor=Actor(user=admin, channel=Channel.CLI), password=ORG_PASSWORD)
    token = issue_api_token(actor=system, user=finder)
    api = Client(headers={"Authorization": f"Bearer {token.raw}"})
    soap = Client()

    queries = generate_queries(register, args.searches, seed=args.seed + 1)
    json_times: list[float] = []
    soap_times: list[float] = []
    agree: Counter[str] = Counter()
    for query in queries:
        body = _json(query)
        t0 = time.perf_counter()
        answer = api.post("/api/v1/learners/search", body, content_type="application/json")
        json_times.append(time.perf_counter() - t0)
        assert answer.status_code == 200, answer.content
        raw = _envelope(query, organisation.ukprn, finder.username)
        t0 = time.perf_counter()
        reply = soap.post("/LearnerService.svc", raw, content_type="text/xml")
        soap_times.append(time.perf_counter() - t0)
        assert reply.status_code == 200, reply.content
        code = etree.fromstring(reply.content).findtext(".//ResponseCode")
        agree["same code" if code == answer.json()["response_code"] else "different"] += 1

    p50j, p95j = _percentile(json_times, 0.5), _percentile(json_times, 0.95)
    p50s, p95s = _percentile(soap_times, 0.5), _percentile(soap_times, 0.95)
    print(f"database: {connection.vendor}, learners: {len(register):,}, queries: {len(queries)}")
    print(f"JSON  POST /api/v1/learners/search: p50 {p50j * 1000:.2f} ms, p95 {p95j * 1000:.2f} ms")
    print(f"SOAP  learnerByDemographics:       p50 {p50s * 1000:.2f} ms, p95 {p95s * 1000:.2f} ms")
    print(
        f"SOAP adds: p50 {(p50s / p50j - 1) * 100:+.1f} %, p95 {(p95s / p95j - 1) * 100:+.1f} % "
        "(target: no more than +30 %)"
    )
    print("response codes: " + ", ".join(f"{k} {v}" for k, v in sorted(agree.items())))


if __name__ == "__main__":
    main()
