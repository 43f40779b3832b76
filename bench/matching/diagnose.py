"""Why the true matches of a FEBRL set are not automatic matches, by rule and by difference.

    .venv/bin/python -m bench.matching.diagnose [--set febrl4] [--set febrl3] [--fitted]
        [--examples 5]

For every query whose original is on the register and which ``decide`` does not match
automatically, tells the first thing that stopped it (not retrieved, another learner ranked
first, a runner-up within the margin, the posterior under the exact threshold, or the hard rule
that blocked it), and what differs between the query and its original: each key field's
verdict and the kind of difference (one or two edits, a swap of neighbours, a sound-alike, a
missing value, a date slip, a postcode digit). ``--fitted`` uses the model fitted to the set's
own register and searches (``fit_on_searches``), as the benchmark's fitted column does.
"""

from __future__ import annotations

import argparse
import collections
import sys
from collections.abc import Sequence

from rapidfuzz.distance import OSA, JaroWinkler

from bench.matching.data import BenchData, Record
from bench.matching.ours import BlockingIndex, fit_on_searches, person_details
from lrs.matching import DEFAULT_CONFIG, DEFAULT_PARAMETERS, ModelParameters
from lrs.matching.compare import prepared_verdicts, term_frequency_bits
from lrs.matching.decide import _PERSONAL, _PERSONAL_AGREES, _UNEXPLAINED, _posterior
from lrs.matching.decide import _same_given_name as same_given_name
from lrs.matching.prepare import Prepared, phonetic, prepared

__all__ = ["diagnose", "main", "string_difference"]

_KEY_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode")


def string_difference(first: str, second: str) -> str:
    """The kind of difference between two names, lower-cased and without spaces."""
    a = "".join(first.lower().split())
    b = "".join(second.lower().split())
    if not a and not b:
        return "both missing"
    if not a or not b:
        return "missing"
    if a == b:
        return "equal"
    distance = OSA.distance(a, b)
    sound = phonetic(a) == phonetic(b)
    kind = f"OSA {min(distance, 3)}{'+' if distance >= 3 else ''}"
    if distance == 1 and len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        kind += " swap" if len(diffs) == 2 else " subst"
    elif distance == 1:
        kind += " indel"
    if distance == 1 and min(len(a), len(b)) < 5:
        kind += " short"
    if a[0] != b[0]:
        kind += " first-letter"
    if sound:
        kind += " phonetic="
    elif distance >= 3 and JaroWinkler.similarity(a, b) >= 0.85:
        kind += " JW>=.85"
    return kind


def _date_difference(query: Record, record: Record) -> str:
    q, r = query.date_of_birth, record.date_of_birth
    if q == r:
        return "equal"
    if q.day == r.month and q.month == r.day and q.year == r.year:
        return "day/month swap"
    digits = OSA.distance(q.strftime("%Y%m%d"), r.strftime("%Y%m%d"))
    return f"{min(digits, 3)}{'+' if digits >= 3 else ''} digits"


def _postcode_difference(query: Record, record: Record) -> str:
    a, b = query.postcode.replace(" ", ""), record.postcode.replace(" ", "")
    if not a or not b:
        return "missing"
    if a == b:
        return "equal"
    return f"{min(OSA.distance(a, b), 3)} chars"


def _reason(
    query: Record,
    index: BlockingIndex,
    true_id: str,
    params: ModelParameters,
) -> tuple[str, dict[str, str]]:
    """The first thing that stops the original from being matched automatically."""
    details = person_details(query)
    candidates = index.candidates(details)
    if not any(index.ids[candidate.key] == true_id for candidate in candidates):
        return "not retrieved", {}
    q = prepared(details)
    scored: list[tuple[float, str, dict[str, str]]] = []
    for candidate in candidates:
        record = prepared(candidate.details)
        rows = prepared_verdicts(q, record)
        adjust = term_frequency_bits(params, record, rows)
        score = params.total(rows) + sum(adjust.values())
        verdicts = {field: verdict for field, verdict, _row in rows}
        scored.append((score, index.ids[candidate.key], verdicts))
    scored.sort(key=lambda item: -item[0])
    best_score, best_id, verdicts = scored[0]
    true_score = next(score for score, rid, _v in scored if rid == true_id)
    true_verdicts = next(v for _s, rid, v in scored if rid == true_id)
    if params.probability(true_score) < DEFAULT_CONFIG.possible_probability:
        return "below possible", true_verdicts
    if best_id != true_id and best_score > true_score:
        return "another ranked first", true_verdicts
    floor = DEFAULT_CONFIG.possible_probability
    shown = [s for s, _r, _v in scored if params.probability(s) >= floor]
    if len(shown) > 1 and shown[0] - shown[1] <= DEFAULT_CONFIG.margin:
        margin = "runner-up within margin"
    else:
        margin = ""
    posterior = _posterior(true_score, [s for s, _r, _v in scored], params.prior_bits)
    low = posterior < DEFAULT_CONFIG.exact_probability
    position = next(c.key for c in candidates if index.ids[c.key] == true_id)
    rule = _rule(true_verdicts, q, prepared(index.details[position]))
    parts = [part for part in (margin, "posterior < exact" if low else "", rule) if part]
    return " + ".join(parts) or "exact", true_verdicts


def _rule(verdicts: dict[str, str], query: Prepared, record: Prepared) -> str:
    if verdicts.get("gender") == "disagree":
        return "rule: gender"
    corroborated = any(verdicts.get(name) in _PERSONAL_AGREES for name in _PERSONAL)
    hits = [
        f"{name} {verdict}"
        for name, verdict in _UNEXPLAINED
        if not corroborated and verdicts.get(name) == verdict
    ]
    if hits:
        return "rule: unexplained " + ", ".join(hits)
    twin = (
        verdicts.get("family_name")
        in {"exact", "prefix", "without_prefix", "part", "previous_family_name", "swapped_names"}
        and verdicts.get("date_of_birth") == "exact"
        and verdicts.get("postcode") == "exact"
    )
    if twin and not same_given_name(verdicts, query, record) and not corroborated:
        return "rule: twins"
    return ""


def diagnose(data: BenchData, params: ModelParameters, examples: int) -> str:
    """The breakdown of one data set, as text."""
    index = BlockingIndex(data.register)
    by_id = {record.record_id: record for record in data.register}
    reasons: collections.Counter[str] = collections.Counter()
    differences: collections.Counter[str] = collections.Counter()
    field_kinds: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    verdict_kinds: collections.Counter[str] = collections.Counter()
    shown: dict[str, list[str]] = collections.defaultdict(list)
    total = 0
    for case in data.cases:
        if case.true_id is None:
            continue
        total += 1
        reason, verdicts = _reason(case.record, index, case.true_id, params)
        if reason == "exact":
            continue
        reasons[reason] += 1
        original = by_id[case.true_id]
        kinds = {
            "given": string_difference(case.record.given_name, original.given_name),
            "family": string_difference(case.record.family_name, original.family_name),
            "dob": _date_difference(case.record, original),
            "postcode": _postcode_difference(case.record, original),
        }
        differing = [f"{field}: {kind}" for field, kind in kinds.items() if kind != "equal"]
        differences[" | ".join(differing) or "nothing"] += 1
        for field, kind in kinds.items():
            field_kinds[field][kind] += 1
        verdict_kinds[", ".join(f"{f}={verdicts.get(f, '-')}" for f in _KEY_FIELDS)] += 1
        if len(shown[reason]) < examples:
            shown[reason].append(
                f"    {case.record.given_name}/{case.record.family_name}/"
                f"{case.record.date_of_birth}/{case.record.postcode} vs "
                f"{original.given_name}/{original.family_name}/{original.date_of_birth}/"
                f"{original.postcode}"
            )
    lines = [f"{data.name}: {total} queries with an original, {sum(reasons.values())} not exact"]
    lines.append("  stopped by:")
    for reason, count in reasons.most_common():
        lines.append(f"  {count:6d}  {reason}")
        lines.extend(shown[reason])
    lines.append("  what differs, per field (among those not exact):")
    for field, counter in field_kinds.items():
        lines.append(f"    {field}: " + "; ".join(f"{k} {n}" for k, n in counter.most_common()))
    lines.append("  verdicts (top 25):")
    for key, count in verdict_kinds.most_common(25):
        lines.append(f"  {count:6d}  {key}")
    lines.append("  combinations of differences (top 25):")
    for key, count in differences.most_common(25):
        lines.append(f"  {count:6d}  {key}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the breakdown for each chosen FEBRL set."""
    parser = argparse.ArgumentParser(prog="python -m bench.matching.diagnose")
    parser.add_argument("--set", choices=["febrl4", "febrl3", "febrl2"], action="append")
    parser.add_argument("--fitted", action="store_true")
    parser.add_argument("--examples", type=int, default=4)
    args = parser.parse_args(argv)
    from bench.matching.febrl import febrl4_data, febrl_dedup_data

    for name in args.set or ["febrl4", "febrl3"]:
        data = febrl4_data() if name == "febrl4" else febrl_dedup_data(int(name[-1]))
        params = DEFAULT_PARAMETERS
        if args.fitted:
            params, _notes = fit_on_searches(data.register, data.cases)
        print(diagnose(data, params, args.examples), flush=True)
        print(file=sys.stdout)


if __name__ == "__main__":
    main()
