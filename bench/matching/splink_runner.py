"""Splink (DuckDB backend) on the same data, trained as its documentation recommends.

The configuration is what a competent Splink user would write for person data:

* data preparation: names lower-cased, accents folded and punctuation dropped (family names
  also lose spaces, so O'Brien, O Brien and OBrien agree); UK postcodes upper-cased with one
  space before the inward code; ZZ99 pseudo-postcodes, unknown genders and empty strings
  become NULL; dates of birth as ISO strings, plus a birth-year column for blocking;
* ``link_only`` between the register and the queries;
* blocking rules comparable to our keys: date of birth; family name and year of birth;
  postcode and given name; given and family name; email (when present);
* comparisons from its library: ``NameComparison`` (Jaro-Winkler levels, term-frequency
  adjusted exact match) for given, family and middle names; ``DateOfBirthComparison`` with one
  added level for day and month swapped (the library has typo and date-distance levels but no
  swap level); ``PostcodeComparison`` (full, sector, district, area) for UK postcodes or
  Levenshtein for other ones; ``ExactMatch`` on gender; ``EmailComparison``;
* training: the prior from deterministic rules (``estimate_probability_two_random_records_match``
  with an assumed recall), u by random sampling, m by expectation maximisation on two blocking
  rules (date of birth; given and family name), so every comparison gets trained.

Splink scores pairs; the service must give one of four answers per search. For each query the
pairs at or above ``POSSIBLE_PROBABILITY`` are its candidates, best first: none is NONE, more
than ``MAX_RESULTS`` is TOO_MANY, a best at or above ``EXACT_PROBABILITY`` with no runner-up at
or above ``RUNNER_UP_PROBABILITY`` is EXACT, anything else POSSIBLE. The exact and possible
thresholds are our engine's defaults; the runner-up rule stands in for our 6-bit margin. The
report also shows Splink's auto-matches and false auto-matches at stricter exact thresholds
(``SWEEP_THRESHOLDS``), so it can be compared with our engine at a similar auto-match rate.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.matching.data import BenchData, Record
from bench.matching.metrics import Decision, Outcome, SystemResult
from lrs.matching import DEFAULT_CONFIG

__all__ = [
    "EXACT_PROBABILITY",
    "MAX_RESULTS",
    "POSSIBLE_PROBABILITY",
    "RUNNER_UP_PROBABILITY",
    "SWEEP_THRESHOLDS",
    "SplinkOptions",
    "classify",
    "run_splink",
]

EXACT_PROBABILITY = DEFAULT_CONFIG.exact_probability
POSSIBLE_PROBABILITY = DEFAULT_CONFIG.possible_probability
RUNNER_UP_PROBABILITY = 0.5
SWEEP_THRESHOLDS = (0.99, 0.999, 0.9999, 0.99999, 0.999999)
MAX_RESULTS = DEFAULT_CONFIG.max_results

REGISTER = "register"
QUERIES = "queries"

_NON_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r" +")
_DEFAULT_POSTCODE_PREFIX = "ZZ99"

# Blocking rules, as column tuples: Splink's block_on of these, and our check of which rule
# would have paired a query with its true record (blocking recall).
_BLOCKING_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("date_of_birth",),
    ("family_name", "birth_year"),
    ("postcode", "given_name"),
    ("given_name", "family_name"),
    ("email",),
)


@dataclass(frozen=True, slots=True)
class SplinkOptions:
    """Training choices: u sample size, the recall assumed for the prior, the sampling seed."""

    max_pairs: float = 1e8
    prior_recall: float = 0.7
    seed: int = 7


# -- Data preparation --------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower-case, fold accents and keep letters and single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = plain.replace("-", " ").replace("'", "").replace("\u2019", "")
    return _SPACES.sub(" ", _NON_LETTERS.sub("", plain)).strip()


def clean_name(text: str) -> str | None:
    """Return a given or middle name ready for comparison, or None when empty."""
    return _fold(text) or None


def clean_family_name(text: str) -> str | None:
    """Return a family name without spaces (O Brien and OBrien agree), or None when empty."""
    return _fold(text).replace(" ", "") or None


def clean_postcode(text: str, *, uk: bool) -> str | None:
    """Return a postcode in standard form, or None for a missing or ZZ99 pseudo-postcode."""
    compact = "".join(char for char in text.upper() if char.isalnum())
    if not compact:
        return None
    if not uk:
        return compact
    if compact.startswith(_DEFAULT_POSTCODE_PREFIX):
        return None
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) >= 5 else compact


def clean_gender(code: str) -> str | None:
    """Return "1" or "2"; the unknown codes become NULL, which Splink does not compare."""
    return code if code in {"1", "2"} else None


def clean_email(text: str) -> str | None:
    """Return an email address lower-cased, or None when empty."""
    return text.strip().casefold() or None


@dataclass(frozen=True, slots=True)
class _Columns:
    """Which optional columns carry data in this data set (either side)."""

    middle_names: bool
    gender: bool
    email: bool


def _columns_present(records: Sequence[Record]) -> _Columns:
    return _Columns(
        middle_names=any(record.middle_names for record in records),
        gender=any(clean_gender(record.gender) for record in records),
        email=any(record.email for record in records),
    )


def _row(record: Record, *, uk: bool, columns: _Columns) -> dict[str, Any]:
    row: dict[str, Any] = {
        "unique_id": record.record_id,
        "given_name": clean_name(record.given_name),
        "family_name": clean_family_name(record.family_name),
        "date_of_birth": record.date_of_birth.isoformat(),
        "birth_year": record.date_of_birth.year,
        "postcode": clean_postcode(record.postcode, uk=uk),
    }
    if columns.middle_names:
        row["middle_names"] = clean_name(record.middle_names)
    if columns.gender:
        row["gender"] = clean_gender(record.gender)
    if columns.email:
        row["email"] = clean_email(record.email)
    return row


def _table(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Return rows as a column dictionary, which Splink registers as an Arrow table."""
    return {name: [row[name] for row in rows] for name in rows[0]}


# -- Model ---------------------------------------------------------------------------------------


def _date_of_birth_comparison() -> Any:
    """DateOfBirthComparison with a day/month swap level after the exact-match level."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    levels: list[Any] = list(
        cl.DateOfBirthComparison(
            "date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d"
        ).create_comparison_levels()
    )
    swapped = cll.CustomLevel(
        "substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4)"
        " AND substr(date_of_birth_l, 6, 2) = substr(date_of_birth_r, 9, 2)"
        " AND substr(date_of_birth_l, 9, 2) = substr(date_of_birth_r, 6, 2)",
        label_for_charts="Day and month swapped",
    )
    levels.insert(2, swapped)
    return cl.CustomComparison(levels, output_column_name="date_of_birth")


def _comparisons(*, uk: bool, columns: _Columns) -> list[Any]:
    import splink.comparison_library as cl

    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("family_name"),
        _date_of_birth_comparison(),
        cl.PostcodeComparison("postcode") if uk else cl.LevenshteinAtThresholds("postcode", 1),
    ]
    if columns.middle_names:
        comparisons.append(cl.NameComparison("middle_names", jaro_winkler_thresholds=[0.92]))
    if columns.gender:
        comparisons.append(cl.ExactMatch("gender"))
    if columns.email:
        comparisons.append(cl.EmailComparison("email"))
    return comparisons


def _blocking_columns(columns: _Columns) -> list[tuple[str, ...]]:
    return [rule for rule in _BLOCKING_COLUMNS if rule != ("email",) or columns.email]


def _settings(*, uk: bool, columns: _Columns) -> Any:
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        comparisons=_comparisons(uk=uk, columns=columns),
        blocking_rules_to_generate_predictions=[
            block_on(*rule) for rule in _blocking_columns(columns)
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _train(linker: Any, options: SplinkOptions) -> dict[str, float]:
    """Train the prior, u and m; return the seconds each step took."""
    from splink import block_on

    timings: dict[str, float] = {}
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "date_of_birth")], recall=options.prior_recall
    )
    timings["training: prior from deterministic rules"] = time.perf_counter() - started
    started = time.perf_counter()
    linker.training.estimate_u_using_random_sampling(max_pairs=options.max_pairs, seed=options.seed)
    timings[f"training: u by random sampling ({options.max_pairs:.0e} pairs)"] = (
        time.perf_counter() - started
    )
    started = time.perf_counter()
    for rule in (block_on("date_of_birth"), block_on("given_name", "family_name")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    timings["training: m by EM (2 sessions)"] = time.perf_counter() - started
    return timings


# -- Outcomes ------------------------------------------------------------------------------------


def classify(
    scored: Sequence[tuple[float, str]], *, exact_probability: float = EXACT_PROBABILITY
) -> tuple[Outcome, tuple[str, ...]]:
    """Map one query's ``(match_probability, record_id)`` pairs onto the four outcomes.

    Pairs below ``POSSIBLE_PROBABILITY`` are ignored. Returns the outcome and the ids shown:
    the best for EXACT, all kept best first for POSSIBLE, none otherwise. ``exact_probability``
    is varied only for the threshold sweep of the report.
    """
    kept = sorted(
        (
            (probability, record_id)
            for probability, record_id in scored
            if probability >= POSSIBLE_PROBABILITY
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if not kept:
        return Outcome.NONE, ()
    if len(kept) > MAX_RESULTS:
        return Outcome.TOO_MANY, ()
    best = kept[0]
    runner_up = kept[1][0] if len(kept) > 1 else 0.0
    if best[0] >= exact_probability and runner_up < RUNNER_UP_PROBABILITY:
        return Outcome.EXACT, (best[1],)
    return Outcome.POSSIBLE, tuple(record_id for _, record_id in kept)


def _scored_by_query(predictions: Any) -> dict[str, list[tuple[float, str]]]:
    """Read Splink's predictions as {query id: [(probability, register id), ...]}."""
    rows = (
        predictions.as_duckdbpyrelation()
        .select("source_dataset_l, unique_id_l, unique_id_r, match_probability")
        .fetchall()
    )
    scored: defaultdict[str, list[tuple[float, str]]] = defaultdict(list)
    for source_l, id_l, id_r, probability in rows:
        query_id, register_id = (id_r, id_l) if source_l == REGISTER else (id_l, id_r)
        scored[str(query_id)].append((float(probability), str(register_id)))
    return scored


def _blocked_together(
    query: dict[str, Any], record: dict[str, Any], rules: Sequence[tuple[str, ...]]
) -> bool:
    """Whether any blocking rule pairs the two rows (SQL equality: NULL never matches)."""
    return any(
        all(
            query.get(column) is not None and query.get(column) == record.get(column)
            for column in rule
        )
        for rule in rules
    )


# -- Run -----------------------------------------------------------------------------------------


def _import_splink() -> tuple[Any, Any, Any]:
    try:
        import duckdb
        from splink import DuckDBAPI, Linker
    except ImportError as error:
        raise SystemExit(
            f"Splink is not installed ({error}). Install the benchmark extra: "
            "pip install -e '.[bench]'  (or run with --skip-splink)"
        ) from error
    return duckdb, DuckDBAPI, Linker


def run_splink(data: BenchData, options: SplinkOptions) -> SystemResult:
    """Train Splink on the register and queries, predict, and decide every query."""
    duckdb, duckdb_api, linker_class = _import_splink()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    queries = [case.record for case in data.cases]
    columns = _columns_present([*data.register, *queries])
    register_rows = [
        _row(record, uk=data.uk_postcodes, columns=columns) for record in data.register
    ]
    query_rows = [_row(record, uk=data.uk_postcodes, columns=columns) for record in queries]
    con = duckdb.connect()
    db_api = duckdb_api(connection=con)
    inputs = [
        db_api.register(_table(register_rows), dataset_display_name=REGISTER),
        db_api.register(_table(query_rows), dataset_display_name=QUERIES),
    ]
    linker = linker_class(
        inputs, _settings(uk=data.uk_postcodes, columns=columns), log_level=logging.WARNING
    )
    timings["data preparation and load into DuckDB"] = time.perf_counter() - started

    timings.update(_train(linker, options))
    prior = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])

    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=POSSIBLE_PROBABILITY)
    scored = _scored_by_query(predictions)
    outcomes = [classify(scored.get(record.record_id, ())) for record in queries]
    match_seconds = time.perf_counter() - started
    timings["prediction (blocking + scoring) and outcomes"] = match_seconds

    decisions = _decisions(data, register_rows, query_rows, outcomes, columns)
    true_prior = data.existing / (len(data.register) * len(queries)) if queries else 0.0
    return SystemResult(
        name="Splink",
        decisions=decisions,
        timings=timings,
        match_seconds=match_seconds,
        notes=[
            f"prior (probability two random records match): estimated {prior:.3g}, "
            f"true {true_prior:.3g}",
            f"pairs kept at match probability >= {POSSIBLE_PROBABILITY}: "
            f"{sum(len(pairs) for pairs in scored.values()):,}",
            f"thresholds: exact = best >= {EXACT_PROBABILITY} and no runner-up >= "
            f"{RUNNER_UP_PROBABILITY}; possible >= {POSSIBLE_PROBABILITY}; more than "
            f"{MAX_RESULTS} -> too many",
            "comparisons: " + ", ".join(_comparison_names(uk=data.uk_postcodes, columns=columns)),
            "blocking: " + "; ".join(" + ".join(rule) for rule in _blocking_columns(columns)),
            *_sweep_lines(data, scored),
        ],
    )


def _sweep_lines(data: BenchData, scored: dict[str, list[tuple[float, str]]]) -> list[str]:
    """Return how a stricter exact threshold trades Splink's auto-matches for safety."""
    lines = [
        "stricter exact thresholds (runner-up < 0.5 kept): right auto-matches of existing "
        "learners; false auto-matches"
    ]
    existing = data.existing
    for threshold in SWEEP_THRESHOLDS:
        right = wrong = 0
        for case in data.cases:
            outcome, ids = classify(
                scored.get(case.record.record_id, ()), exact_probability=threshold
            )
            if outcome is not Outcome.EXACT:
                continue
            if case.true_id is not None and ids[0] == case.true_id:
                right += 1
            else:
                wrong += 1
        share = 100 * right / existing if existing else 0.0
        lines.append(
            f"  exact >= {threshold:<9} auto-match {share:5.1f}% ({right:,}/{existing:,}); "
            f"false auto-matches {wrong:,}"
        )
    return lines


def _comparison_names(*, uk: bool, columns: _Columns) -> list[str]:
    names = ["given/family NameComparison (JW, TF)", "DateOfBirthComparison + swap level"]
    names.append("PostcodeComparison" if uk else "postcode Levenshtein <= 1")
    optional: list[tuple[bool, str]] = [
        (columns.middle_names, "middle NameComparison"),
        (columns.gender, "gender ExactMatch"),
        (columns.email, "EmailComparison"),
    ]
    names.extend(name for present, name in optional if present)
    return names


def _decisions(
    data: BenchData,
    register_rows: list[dict[str, Any]],
    query_rows: list[dict[str, Any]],
    outcomes: list[tuple[Outcome, tuple[str, ...]]],
    columns: _Columns,
) -> list[Decision]:
    """Attach to each outcome whether blocking paired the query with its true record."""
    by_id: dict[str, dict[str, Any]] = {row["unique_id"]: row for row in register_rows}
    rules = _blocking_columns(columns)
    decisions: list[Decision] = []
    for case, row, (outcome, ids) in zip(data.cases, query_rows, outcomes, strict=True):
        retrieved = None
        if case.true_id is not None:
            retrieved = _blocked_together(row, by_id[case.true_id], rules)
        decisions.append(Decision(outcome=outcome, ids=ids, retrieved_truth=retrieved))
    return decisions
