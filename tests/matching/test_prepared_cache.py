"""The prepared-person cache: a search prepares each candidate once, not once per search.

A guard, not a timing: ``prepared.cache_info()`` counts the people the engine actually
prepared (misses) and those it found prepared (hits). A change that prepares candidates
outside the cache again, shrinks it below a register's size or keys it on something that
differs between two searches for the same learner makes the counts below fail. The speed it
buys is measured by ``python -m bench.matching`` (README, "Benchmarks").
"""

import dataclasses
import datetime
from collections import defaultdict

import pytest

from lrs.matching import (
    DEFAULT_CONFIG,
    DEFAULT_PARAMETERS,
    Candidate,
    MatchKind,
    PersonDetails,
    decide,
    learner_keys,
    query_keys,
)
from lrs.matching.prepare import PREPARED_CACHE_SIZE, Prepared, prepare_uncached, prepared
from lrs.synthetic import Query, SyntheticLearner, generate_queries, generate_register

REGISTER_SIZE = 3_000
SEARCHES = 400


def _details(person: SyntheticLearner | Query) -> PersonDetails:
    """A fresh ``PersonDetails`` (as the service builds one from each row it fetches)."""
    return PersonDetails(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        gender=person.gender or "0",
        postcode=person.last_known_postcode,
        middle_names=person.middle_other_name,
        preferred_given_name=person.preferred_given_name,
        previous_family_name=person.previous_family_name,
        place_of_birth=person.place_of_birth if isinstance(person, SyntheticLearner) else "",
        email=person.email_address,
    )


class _Register:
    """A register in memory: each learner's fields as the database row holds them, and the
    blocking keys pointing at row positions (the ``learner_search_key`` table)."""

    def __init__(self, size: int) -> None:
        self.learners = list(generate_register(size, seed=71))
        self.index: defaultdict[str, list[int]] = defaultdict(list)
        for position in range(len(self.learners)):
            for key in learner_keys(self.row(position)):
                self.index[key].append(position)

    def row(self, position: int) -> PersonDetails:
        return _details(self.learners[position])

    def search(self, query: PersonDetails) -> tuple[MatchKind, list[PersonDetails]]:
        """Retrieve and decide as the service does: each candidate built afresh from its row."""
        positions = sorted({p for key in query_keys(query) for p in self.index.get(key, ())})
        candidates = [Candidate(key=p, details=self.row(p)) for p in positions]
        outcome = decide(query, candidates, DEFAULT_CONFIG, DEFAULT_PARAMETERS)
        return outcome.kind, [candidate.details for candidate in candidates]


@pytest.fixture(scope="module")
def register() -> _Register:
    return _Register(REGISTER_SIZE)


def test_a_register_searched_twice_prepares_each_person_once(register: _Register) -> None:
    queries = [_details(query) for query in generate_queries(register.learners, SEARCHES, seed=72)]
    prepared.cache_clear()

    first = [register.search(query) for query in queries]
    after_first = prepared.cache_info()
    people = set(queries)
    retrieved = 0
    for _kind, candidates in first:
        people.update(candidates)
        retrieved += len(candidates)
    # Every distinct person (query or candidate) prepared exactly once, however many searches
    # retrieved them; a few hundred candidates are retrieved by more than one search.
    assert after_first.misses == len(people)
    assert retrieved > len(people) - len(queries)

    second = [register.search(query) for query in queries]
    after_second = prepared.cache_info()
    assert [kind for kind, _ in second] == [kind for kind, _ in first]
    # The second time round nobody is prepared again: the query (for its blocking keys and
    # for decide) and every candidate are found in the cache.
    assert after_second.misses == after_first.misses
    assert after_second.hits - after_first.hits == 2 * len(queries) + retrieved


def test_the_cache_holds_a_register_of_a_hundred_thousand_with_its_searches() -> None:
    """``bench.matching`` searches a register of 100,000 (5,000 searches) that its in-memory
    index prepared: a smaller cache evicted the learners before their searches came (16,384
    entries prepared nine candidates in ten again)."""
    assert prepared.cache_info().maxsize == PREPARED_CACHE_SIZE
    assert PREPARED_CACHE_SIZE >= 100_000 + 5_000


def test_prepared_fields_are_built_in_their_declared_order() -> None:
    """``prepare_uncached`` builds the named tuple positionally, for speed: every field must
    land under its own name."""
    details = PersonDetails(
        given_name="Mary-Sue",
        family_name="MacDonald",
        date_of_birth=datetime.date(2008, 3, 14),
        gender="2",
        postcode="cf10 3at",
        middle_names="Ann Eira",
        preferred_given_name="Molly",
        previous_family_name="O'Brien-Smith",
        place_of_birth="Cardiff",
        email=" Mary.Sue@Example.org ",
        upn="a123 456",
        uci="u 99",
    )
    person = prepare_uncached(details)
    assert len(person) == len(Prepared._fields)
    fields = person._asdict()
    assert fields["details"] is details
    assert (fields["given"], fields["given_words"], fields["given_first"]) == (
        "marysue",
        ("mary", "sue"),
        "mary",
    )
    assert fields["preferred"] == "molly"
    assert (fields["middle"], fields["middle_words"]) == ("anneira", ("ann", "eira"))
    assert (fields["family"], fields["family_plain"]) == ("mcdonald", "macdonald")
    assert fields["previous"] == "obriensmith"
    assert fields["previous_parts"] == ("obriensmith", "obrien", "smith")
    assert fields["date_of_birth"] == datetime.date(2008, 3, 14)
    assert fields["gender"] == "2"
    assert (fields["postcode"], fields["postcode_sector"], fields["postcode_district"]) == (
        "CF10 3AT",
        "CF10 3",
        "CF10",
    )
    assert fields["postcode_default"] is False
    assert fields["place_of_birth"] == "cardiff"
    assert fields["email"] == "mary.sue@example.org"
    assert (fields["upn"], fields["uci"]) == ("A123456", "U99")
    assert prepared(details) == person
    assert prepared(dataclasses.replace(details)) == person
