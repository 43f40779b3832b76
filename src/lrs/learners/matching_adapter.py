"""The only bridge between learner rows and the pure `lrs.matching` engine."""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from lrs.core.bulk import delete_rows, insert_new_rows, insert_rows
from lrs.core.rows import load_by
from lrs.learners.details import LearnerDetails, SearchDetails
from lrs.learners.models import Learner, LearnerMatchKey, MatchingModel
from lrs.matching import (
    DEFAULT_PARAMETERS,
    Candidate,
    MatchConfig,
    MatchKind,
    MatchOutcome,
    ModelParameters,
    PersonDetails,
    ScoredCandidate,
    TermFrequencies,
    decide,
    identity_key,
    learner_keys,
    prepare_uncached,
    prepared_identity_key,
    prepared_learner_keys,
    query_keys,
)
from lrs.matching.blocking import (
    BOUNDED_FIRM_KINDS,
    CONFIRMING_KIND,
    GIVEN_NAME_KINDS,
    MAX_FIRM_BUCKET,
    MAX_OPEN_BUCKET,
    query_key_sets,
    select_candidates,
)

# Candidates scored per search at most. Blocking keys are chosen so that a bucket holds a few
# dozen learners even at a million; this only bounds the work if a key turns out too common.
MAX_CANDIDATES = 2000

MATCH_CONFIG = MatchConfig()

_PERSON_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "last_known_postcode",
    "middle_other_name",
    "preferred_given_name",
    "previous_family_name",
    "place_of_birth",
    "email_address",
    "upn",
    "uci",
)


def person_from(details: LearnerDetails | SearchDetails | Learner) -> PersonDetails:
    """The matching engine's view of a learner or of a search."""
    return PersonDetails(
        given_name=details.given_name,
        family_name=details.family_name,
        date_of_birth=details.date_of_birth,  # type: ignore[arg-type]
        gender=details.gender or "0",
        postcode=details.last_known_postcode,
        middle_names=details.middle_other_name,
        preferred_given_name=details.preferred_given_name,
        previous_family_name=details.previous_family_name,
        place_of_birth=details.place_of_birth,
        email=details.email_address,
        upn=details.upn,
        uci=details.uci,
    )


def identity_key_of(details: LearnerDetails | Learner) -> str:
    return identity_key(person_from(details))


def keys_for(details: LearnerDetails | Learner) -> frozenset[str]:
    return learner_keys(person_from(details))


def identity_and_keys(details: LearnerDetails) -> tuple[str, frozenset[str]]:
    """`identity_key_of` and `keys_for` together, from one engine view of the details (a bulk
    import computes both for every row)."""
    # Prepared once, outside the engine's cache: every row of an import is a new person, so
    # the cache would only be churned (and hashing the details for it costs as much).
    person = prepare_uncached(person_from(details))
    return prepared_identity_key(person), prepared_learner_keys(person)


def store_keys(learner: Learner, *, new: bool = False) -> None:
    """Replace the learner's stored blocking keys with those of its current details.

    `new`: the learner was inserted in this transaction and has no keys yet.
    """
    if not new:
        LearnerMatchKey.objects.filter(learner=learner).delete()
    insert_rows(
        LearnerMatchKey,
        ("learner_id", "key"),
        [(learner.pk, key) for key in sorted(keys_for(learner))],
    )


@dataclass(frozen=True)
class KeyRebuild:
    """What `rebuild_keys` changed: learners read, keys added and keys removed."""

    learners: int
    added: int
    removed: int


# Stale (key, learner) pairs one DELETE of `rebuild_keys` names: 2 parameters each, well under
# SQLite's limit (32766 since 3.32, 999 before) and PostgreSQL's 65535.
REBUILD_PAIRS_PER_STATEMENT = 400


def rebuild_keys(
    *, chunk: int = 2_000, progress: Callable[[KeyRebuild], None] | None = None
) -> KeyRebuild:
    """Bring every learner's stored blocking keys up to the current key scheme.

    Run after an upgrade that changes the keys (the area keys of 2026-12-04, the F keys of
    2026-12-06): learners stored before it lack the new keys, and searches only
    find them through the others. Goes through the register in order of id, a chunk per
    transaction, adding missing keys and removing keys the scheme no longer makes; safe to
    stop and run again, and while serving: the chunk's learners are locked while their keys
    are put right, so an update (which locks its learner and replaces all its keys) comes
    wholly before or after, and neither sees the other's keys half written.

    A handful of statements per chunk: one read of the learners, one of their keys, the stale
    keys deleted by their (key, learner) pairs a few hundred at a time, the missing ones
    inserted many rows per statement.
    """
    learners = added = removed = 0
    last = 0
    while True:
        with transaction.atomic():
            # Locked for the transaction (FOR UPDATE on PostgreSQL; SQLite's transactions
            # take the write lock from the start), so the keys computed stay those to store.
            # Rows, not model instances: building those cost as much as computing the keys.
            rows = list(
                Learner.objects.select_for_update()
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list(*_SELECTED[:-1])[:chunk]
            )
            if not rows:
                break
            first, last = rows[0][0], rows[-1][0]
            # The chunk's keys are those of its range of ids; a learner registered meanwhile
            # with an id in it (committed after the read above) is not the chunk's, and has
            # its keys from its registration.
            stored: dict[int, set[str]] = {row[0]: set() for row in rows}
            for learner_id, key in LearnerMatchKey.objects.filter(
                learner_id__gte=first, learner_id__lte=last
            ).values_list("learner_id", "key"):
                if learner_id in stored:
                    stored[learner_id].add(key)
            missing: list[tuple[int, str]] = []
            stale: list[tuple[str, int]] = []
            for row in rows:
                learner_id = row[0]
                # Uncached: each learner is prepared once, and would only churn the cache.
                wanted = prepared_learner_keys(
                    prepare_uncached(_person_of_row(row, lambda value: value))
                )
                have = stored[learner_id]
                missing.extend((learner_id, key) for key in sorted(wanted - have))
                stale.extend((key, learner_id) for key in sorted(have - wanted))
            # In the primary key's order (key, learner): each pair one look-up in its index.
            delete_rows(
                LearnerMatchKey,
                ("key", "learner_id"),
                stale,
                per_statement=REBUILD_PAIRS_PER_STATEMENT,
            )
            insert_new_rows(LearnerMatchKey, ("learner_id", "key"), missing)
        learners += len(rows)
        added += len(missing)
        removed += len(stale)
        if progress is not None:
            progress(KeyRebuild(learners, added, removed))
    return KeyRebuild(learners, added, removed)


# Learners a search considered, with their versions: (learner id, version number). A search
# still describes the register while the learners sharing its keys are these, unchanged.
Seen = frozenset[tuple[int, int]]

_SELECTED = ("id", *_PERSON_FIELDS, "version_number")


def _candidate_sql(key_count: int, firm_count: int) -> str:
    """One statement: learners (not merged away) that share any of the keys, chosen as
    `select_candidates` chooses (parameters: the keys, then the firm keys among them).

    Plain SQL because this runs for every search and every batch row; building it through
    the ORM cost more than executing it.
    """
    quote = connection.ops.quote_name
    learner = quote(Learner._meta.db_table)
    keys = quote(LearnerMatchKey._meta.db_table)
    columns = ", ".join(quote(name) for name in _SELECTED)
    learner_id, key, master_id, id_ = (quote(n) for n in ("learner_id", "key", "master_id", "id"))
    # Each (key, learner) pair found, with its kind and its bucket's size; a learner is kept
    # when one of its keys keeps its whole bucket (firm, bounded above MAX_FIRM_BUCKET for the
    # bounded kinds; or small; never a confirming key), or it was found under two keys that
    # say two things (the G and N keys all say one: the given name, `select_candidates`).
    bounded = ", ".join(f"'{kind}:'" for kind in sorted(BOUNDED_FIRM_KINDS))
    given_name = ", ".join(f"'{kind}:'" for kind in sorted(GIVEN_NAME_KINDS))
    keeps = (
        f"CASE WHEN kind = '{CONFIRMING_KIND}:' THEN 0 "
        f"WHEN firm = 1 AND (kind NOT IN ({bounded}) OR bucket <= {MAX_FIRM_BUCKET}) THEN 1 "
        f"WHEN bucket <= {MAX_OPEN_BUCKET} THEN 1 ELSE 0 END"
    )
    # The keys that say something else, counted without count(DISTINCT ...) (which would make
    # PostgreSQL sort every learner's pairs rather than hash them): a learner's keys are
    # distinct, so they say as many things as its keys other than G and N, plus one for any G
    # or N key among them.
    given = f"CASE WHEN kind IN ({given_name}) THEN 1 ELSE 0 END"
    evidence = f"count(*) - sum({given}) + max({given})"
    return (
        f"SELECT {columns} FROM {learner} WHERE {master_id} IS NULL AND {id_} IN ("  # noqa: S608
        f"SELECT {learner_id} FROM (SELECT {learner_id}, "
        f"CASE WHEN {key} {_in_keys(firm_count)} THEN 1 ELSE 0 END AS firm, "
        f"substr({key}, 1, 2) AS kind, count(*) OVER (PARTITION BY {key}) AS bucket "
        f"FROM {keys} WHERE {key} {_in_keys(key_count)}) AS found "
        f"GROUP BY {learner_id} HAVING max({keeps}) = 1 OR {evidence} >= 2 "
        f"LIMIT {MAX_CANDIDATES})"
    )


def _in_keys(key_count: int) -> str:
    """`IN (%s, ...)`, or on PostgreSQL `= ANY(%s)` with the keys as one array parameter."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)"
    return "IN ({})".format(", ".join(["%s"] * key_count))


def _key_parameters(keys: list[str]) -> list[Any]:
    return [keys] if connection.vendor == "postgresql" else keys


def _person_of_row(
    row: tuple[Any, ...], convert_date: Callable[[Any], datetime.date]
) -> PersonDetails:
    # Positional, in the field order of `PersonDetails` (given and family name, date of birth,
    # gender, postcode, middle, preferred and previous names, place of birth, email, UPN,
    # UCI), which `_PERSON_FIELDS` follows: built for every candidate of every search, and
    # keywords cost a quarter more.
    return PersonDetails(
        row[1],
        row[2],
        convert_date(row[3]),
        row[4] or "0",
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        row[12],
    )


def person_of_row(row: tuple[Any, ...]) -> PersonDetails:
    """The person of a row of `candidate_rows_for_many`."""
    return _person_of_row(row, _date_converter())


@dataclass(frozen=True)
class Retrieved:
    """A search's candidates, as the engine's plain values, and what they were (`Seen`)."""

    candidates: list[Candidate]
    seen: Seen


def _retrieved(rows: list[tuple[Any, ...]]) -> Retrieved:
    convert_date = _date_converter()
    return Retrieved(
        # Positional: built for every candidate.
        candidates=[Candidate(row[0], _person_of_row(row, convert_date)) for row in rows],
        seen=frozenset((row[0], row[-1]) for row in rows),
    )


def _candidate_rows(person: PersonDetails) -> list[tuple[Any, ...]]:
    """The rows (`_SELECTED`) of the learners sharing a blocking key with the search, as
    `select_candidates` chooses them."""
    keys, firm, confirming = query_key_sets(person)
    if not keys:
        return []
    ordered, ordered_firm = sorted(keys | confirming), sorted(firm)
    with connection.cursor() as cursor:
        _no_parallel_plan(cursor)
        cursor.execute(
            _candidate_sql(len(ordered), len(ordered_firm)),
            _key_parameters(ordered_firm) + _key_parameters(ordered),
        )
        return cursor.fetchall()


def _candidates(person: PersonDetails) -> Retrieved:
    """Learners sharing a blocking key with the search."""
    return _retrieved(_candidate_rows(person))


def _no_parallel_plan(cursor: Any) -> None:
    """On PostgreSQL, plan the candidate statements without parallel workers.

    They touch a few thousand index entries; starting parallel workers for them (which the
    planner chooses at a million learners) took longer than the work: 80 ms instead of 45 ms
    for a batch chunk. Scoped to the transaction; outside one, the setting lasts as long as
    the statement that follows.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _keyed_candidate_sql(key_count: int, selected: tuple[str, ...] = _SELECTED) -> str:
    """One statement for many searches: each (key, learner) pair among the keys given."""
    quote = connection.ops.quote_name
    learner = quote(Learner._meta.db_table)
    keys = quote(LearnerMatchKey._meta.db_table)
    columns = ", ".join(f"l.{quote(name)}" for name in selected)
    learner_id, key, master_id, id_ = (quote(n) for n in ("learner_id", "key", "master_id", "id"))
    # Learners merged away come too (flagged), as they count in a bucket's size for
    # `select_candidates` as they do in `_candidate_sql`.
    return (
        f"SELECT k.{key}, l.{master_id} IS NULL, {columns} FROM {keys} k "  # noqa: S608
        f"JOIN {learner} l ON l.{id_} = k.{learner_id} WHERE k.{key} {_in_keys(key_count)}"
    )


# SQLite allows 32,766 parameters in a statement; stay well below for either database.
_KEYS_PER_STATEMENT = 5000


def _rows_for_many(
    people: list[PersonDetails], selected: tuple[str, ...] = _SELECTED
) -> list[list[tuple[Any, ...]]]:
    """Each search's candidate rows (`selected`, id first), for all the searches in as few
    statements as possible: one round trip to the database instead of one per search.

    The same learners as `_candidates` gives one search at a time.
    """
    wanted = [query_key_sets(person) for person in people]
    all_keys = sorted(set().union(*(keys | more for keys, _firm, more in wanted))) if wanted else []
    by_key: dict[str, list[tuple[Any, ...]]] = {}
    with connection.cursor() as cursor:
        _no_parallel_plan(cursor)
        for start in range(0, len(all_keys), _KEYS_PER_STATEMENT):
            part = all_keys[start : start + _KEYS_PER_STATEMENT]
            cursor.execute(_keyed_candidate_sql(len(part), selected), _key_parameters(part))
            for row in cursor.fetchall():
                by_key.setdefault(row[0], []).append(row[1:])
    # (live, id, ...): whether the learner is not merged away, then the columns selected.
    results = []
    for keys, firm, confirming in wanted:
        rows: dict[int, tuple[Any, ...]] = {}
        found: dict[str, list[int]] = {}
        for key in keys | confirming:
            bucket = by_key.get(key)
            if bucket:
                found[key] = [row[1] for row in bucket]
                for row in bucket:
                    if row[0]:
                        rows.setdefault(row[1], row[1:])
        chosen = sorted(learner for learner in select_candidates(found, firm) if learner in rows)
        results.append([rows[learner_id] for learner_id in chosen[:MAX_CANDIDATES]])
    return results


def candidate_rows_for_many(people: list[PersonDetails]) -> list[list[tuple[Any, ...]]]:
    """Each person's candidate rows (learner id first; `person_of_row` reads one)."""
    return _rows_for_many(people)


def _candidates_for_many(people: list[PersonDetails]) -> list[Retrieved]:
    """Each search's candidates, fetched for all the searches at once (a batch chunk's)."""
    return [_retrieved(rows) for rows in _rows_for_many(people)]


def seen_now(people: list[PersonDetails]) -> list[Seen]:
    """For each person, the learners a search for them would consider now, with versions.

    Compared with the `seen` of earlier searches, it tells which of them still stand (see
    `still_seen`), for many at once: ids and versions only, no scoring.
    """
    return [
        frozenset((row[0], row[1]) for row in rows)
        for rows in _rows_for_many(people, ("id", "version_number"))
    ]


@dataclass(frozen=True)
class Matched:
    """The engine's outcome for one search, the person searched and the learners considered."""

    person: PersonDetails
    outcome: MatchOutcome
    seen: Seen
    # The matching model version that decided (None: the shipped defaults), for the audit.
    model_version: int | None = None


def match_people(people: list[PersonDetails]) -> list[Matched]:
    """`match_person` for many searches at once (a chunk of a batch file)."""
    version, params = active_parameters()
    return [
        Matched(
            person,
            decide(person, retrieved.candidates, MATCH_CONFIG, params),
            retrieved.seen,
            version,
        )
        for person, retrieved in zip(people, _candidates_for_many(people), strict=True)
    ]


def still_seen(person: PersonDetails, seen: Seen) -> bool:
    """Whether the learners sharing the person's keys are still exactly those `seen`.

    Then a search made earlier for this person would give the same outcome now: no learner
    was registered, updated or merged among its candidates since. Much cheaper than searching
    again (ids and versions only, no scoring).
    """
    return seen_now([person])[0] == seen


def _date_converter() -> Callable[[Any], datetime.date]:
    # PostgreSQL returns dates; SQLite returns ISO strings to a raw cursor.
    if connection.vendor == "sqlite":
        return lambda value: datetime.date.fromisoformat(value) if isinstance(value, str) else value
    return lambda value: value


@dataclass(frozen=True)
class LearnerMatch:
    learner: Learner
    scored: ScoredCandidate


@dataclass(frozen=True)
class SearchOutcome:
    kind: MatchKind
    matches: tuple[LearnerMatch, ...]
    considered: int
    # The person searched for and the learners considered (see `still_seen`).
    person: PersonDetails | None = None
    seen: Seen = frozenset()
    # The matching model version that decided (None: the shipped defaults).
    model_version: int | None = None

    @property
    def learners(self) -> list[Learner]:
        return [match.learner for match in self.matches]


def match_person(person: PersonDetails) -> Matched:
    """Retrieve candidates by blocking keys and let the engine decide (learner ids only)."""
    retrieved = _candidates(person)
    version, params = active_parameters()
    return Matched(
        person, decide(person, retrieved.candidates, MATCH_CONFIG, params), retrieved.seen, version
    )


def parameters_of(model: MatchingModel) -> ModelParameters:
    """The engine's parameters held by a stored version of the matching model."""
    data = model.parameters
    frequencies = {
        name: TermFrequencies.from_data(table)
        for name, table in data.get("term_frequencies", {}).items()
    }
    return ModelParameters(
        m=data["m"], u=data["u"], prior=float(data["prior"]), term_frequencies=frequencies
    )


# (version, activated_at) -> parameters: building them from JSON costs more than a search.
_loaded: dict[tuple[int, str], ModelParameters] = {}


@functools.cache
def _active_model_sql() -> str:
    # At most one version is active (the `matching_model_one_active` constraint).
    quote = connection.ops.quote_name
    return (
        f"SELECT {quote('id')}, {quote('activated_at')} "  # noqa: S608 - names from metadata
        f"FROM {quote(MatchingModel._meta.db_table)} WHERE {quote('active')} = %s"
    )


def active_parameters() -> tuple[int | None, ModelParameters]:
    """The matching model version searches use now (None: the shipped defaults), and its
    parameters (`MatchingModel`, `lrs fit-matching`).

    One indexed look-up per call, so a switch takes effect at the next search in every
    process; the parameters themselves are built once per version. The look-up is plain SQL:
    every search makes it, and compiling it through the ORM cost ten times the query.
    """
    with connection.cursor() as cursor:
        cursor.execute(_active_model_sql(), [True])
        row = cursor.fetchone()
    if row is None:
        return None, DEFAULT_PARAMETERS
    key = (row[0], str(row[1]))
    params = _loaded.get(key)
    if params is None:
        params = parameters_of(MatchingModel.objects.get(pk=row[0]))
        _loaded.clear()
        _loaded[key] = params
    return row[0], params


def with_learners(matched: list[Matched]) -> list[SearchOutcome]:
    """Attach the learner rows to the engine's outcomes, loading all of them in one query."""
    ids = sorted({scored.key for item in matched for scored in item.outcome.candidates})
    learners = {learner.pk: learner for learner in load_by(Learner, "id", ids)}
    return [
        SearchOutcome(
            kind=item.outcome.kind,
            matches=tuple(
                LearnerMatch(learner=learners[scored.key], scored=scored)
                for scored in item.outcome.candidates
            ),
            considered=item.outcome.considered,
            person=item.person,
            seen=item.seen,
            model_version=item.model_version,
        )
        for item in matched
    ]


def find_matches(person: PersonDetails) -> SearchOutcome:
    """Search the register for one person and load the learners the engine chose."""
    return with_learners([match_person(person)])[0]


def lock_for_registration(*details: LearnerDetails) -> None:
    """Serialise registrations that could find each other (PostgreSQL advisory locks).

    Two learners that a search would match share a blocking key: locking every key a
    registration would store or look up makes such registrations take turns, so the second
    one's search sees the first one's learner. SQLite needs nothing: its IMMEDIATE
    transactions already serialise every writer.

    A transaction that registers several learners (a batch chunk) passes all of them before
    registering any: the locks are held to the end of the transaction, and taking them all at
    once, in one order, is what keeps two such transactions from waiting on each other
    (a deadlock). Taking a lock already held costs one more statement, never a wait.
    """
    if connection.vendor != "postgresql" or not details:
        return
    keys: set[str] = set()
    for item in details:
        person = person_from(item)
        keys |= learner_keys(person) | query_keys(person)
    lock_ids = sorted({_lock_id(key) for key in keys})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k",
            [lock_ids],
        )


def _lock_id(key: str) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def candidates_for(people: list[PersonDetails]) -> list[list[Candidate]]:
    """Each person's blocking candidates on the register (learners not merged away), fetched
    for all of them at once: what a search for each would score (the duplicate finder)."""
    return [retrieved.candidates for retrieved in _candidates_for_many(people)]


def register_people() -> Iterator[tuple[int, PersonDetails]]:
    """Every learner not merged away, as `people_of` gives them, in one pass over the table
    (the duplicate finder's full run). Texts repeated across learners (names, postcodes) are
    shared, not held once per learner."""
    texts: dict[str, str] = {}
    shared = texts.setdefault
    dates: dict[datetime.date, datetime.date] = {}
    shared_date = dates.setdefault
    rows = (
        Learner.objects.filter(master__isnull=True)
        .order_by("pk")
        .values_list(*_SELECTED[:-1])
        .iterator(chunk_size=20_000)
    )
    for row in rows:
        yield (
            row[0],
            PersonDetails(
                given_name=shared(row[1], row[1]),
                family_name=shared(row[2], row[2]),
                date_of_birth=shared_date(row[3], row[3]),
                gender=shared(row[4] or "0", row[4] or "0"),
                postcode=shared(row[5], row[5]),
                middle_names=shared(row[6], row[6]),
                preferred_given_name=shared(row[7], row[7]),
                previous_family_name=shared(row[8], row[8]),
                place_of_birth=shared(row[9], row[9]),
                email=row[10],
                upn=row[11],
                uci=row[12],
            ),
        )


def people_of(learner_ids: list[int]) -> list[tuple[int, PersonDetails]]:
    """The learners' ids and details as the engine's values, in id order, without building
    model instances (the duplicate finder reads the whole register). Learners merged away
    are left out, as a search leaves them out of its candidates."""
    rows = (
        Learner.objects.filter(pk__in=learner_ids, master__isnull=True)
        .order_by("pk")
        .values_list(*_SELECTED[:-1])
    )
    return [(row[0], _person_of_row(row, lambda value: value)) for row in rows]
