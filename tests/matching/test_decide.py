import dataclasses
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs.matching.blocking import learner_keys, query_keys
from lrs.matching.decide import (
    QUOTED_FIELDS,
    decide,
    identity_key,
    score_candidate,
    score_pair,
)
from lrs.matching.estimate import estimate_parameters
from lrs.matching.model import DEFAULT_PARAMETERS, FIELD_VERDICTS
from lrs.matching.prepare import prepared
from lrs.matching.types import (
    Candidate,
    MatchConfig,
    MatchKind,
    MatchOutcome,
    PersonDetails,
)

BIRTHDAY = datetime.date(2008, 3, 5)
HOME = "CF10 1AA"

LEARNER = PersonDetails(
    given_name="Robert",
    family_name="McDonald",
    date_of_birth=BIRTHDAY,
    gender="1",
    postcode=HOME,
    middle_names="James",
)
TRUE_KEY = 1

# People a search for LEARNER can retrieve, none of whom is LEARNER.
DECOYS: tuple[PersonDetails, ...] = (
    # Twin brother: same family name, birthday and postcode.
    PersonDetails("Thomas", "McDonald", BIRTHDAY, "1", HOME, middle_names="Owen"),
    # Younger sister at the same address.
    PersonDetails("Megan", "McDonald", datetime.date(2010, 7, 14), "2", HOME),
    # A namesake born on another day elsewhere.
    PersonDetails("Robert", "McDonald", datetime.date(2007, 11, 22), "1", "LL57 2DG"),
    # A neighbour born the same day.
    PersonDetails("Robert", "Evans", BIRTHDAY, "1", "CF10 1AB"),
    # Born on the swapped date.
    PersonDetails("Sian", "Jones", datetime.date(2008, 5, 3), "2", "SA1 1AA"),
    # Born on the first of the month, similar family name.
    PersonDetails("Rhys", "MacDonald", datetime.date(2008, 3, 1), "1", "EH1 1AA"),
    # Same given name, same birthday, different family.
    PersonDetails("Robert", "Stephenson", BIRTHDAY, "1", "M1 1AE"),
)


def vary(details: PersonDetails = LEARNER, /, **changes: object) -> PersonDetails:
    return dataclasses.replace(details, **changes)  # type: ignore[arg-type]


def search(
    query: PersonDetails, learner: PersonDetails = LEARNER, *, must_retrieve: bool = True
) -> MatchOutcome:
    """Retrieve from a small register by blocking keys, as the adapter does, then decide."""
    register = [Candidate(TRUE_KEY, learner)] + [
        Candidate(index, decoy) for index, decoy in enumerate(DECOYS, start=100)
    ]
    wanted = query_keys(query)
    retrieved = [c for c in register if wanted & learner_keys(c.details)]
    if must_retrieve:
        assert TRUE_KEY in {c.key for c in retrieved}, "blocking lost the learner"
    return decide(query, retrieved)


def assert_exact(outcome: MatchOutcome) -> None:
    assert outcome.kind is MatchKind.EXACT, outcome
    assert [c.key for c in outcome.candidates] == [TRUE_KEY]


def assert_possible_first(outcome: MatchOutcome) -> None:
    assert outcome.kind is MatchKind.POSSIBLE, outcome
    assert outcome.candidates[0].key == TRUE_KEY, outcome


# Appendix B: tips for searching ---------------------------------------------------------------


def test_tip_swap_previous_name_search_by_old_family_name() -> None:
    married = vary(family_name="Price", previous_family_name="McDonald")
    assert_exact(search(LEARNER, learner=married))


def test_tip_swap_previous_name_given_in_the_search() -> None:
    query = vary(family_name="Price", previous_family_name="McDonald")
    assert_exact(search(query))


def test_tip_swap_previous_name_not_recorded_anywhere() -> None:
    """A new family name with everything else agreeing: the same address and birthday.

    The middle names corroborate it; without them nothing tells the learner from a stranger
    searched with the learner's other details (issue 13), so a person decides.
    """
    assert_exact(search(vary(family_name="Price")))
    assert_possible_first(search(vary(family_name="Price", middle_names=""), vary(middle_names="")))


def test_tip_swap_previous_name_not_recorded_after_a_move_is_possible() -> None:
    assert_possible_first(search(vary(family_name="Price", postcode="LL57 2DG")))


def test_tip_swap_given_and_family_name() -> None:
    assert_exact(search(vary(given_name="McDonald", family_name="Robert")))
    # Nobody else is called McDonald Robert and born that day: even after a move it is exact.
    query = vary(given_name="McDonald", family_name="Robert", postcode="LL57 2DG", middle_names="")
    assert_exact(search(query))


def test_tip_middle_name_as_given_name() -> None:
    assert_possible_first(search(vary(given_name="James", middle_names="")))


@pytest.mark.parametrize("spelling", ["MacDonald", "Mac Donald", "MCDONALD", "Mc Donald"])
def test_tip_mc_mac_prefix(spelling: str) -> None:
    assert_exact(search(vary(family_name=spelling)))


@pytest.mark.parametrize("spelling", ["O'Brien", "O Brien", "OBrien", "o’brien"])
def test_tip_o_prefix_with_apostrophe_or_space(spelling: str) -> None:
    learner = vary(family_name="O'Brien")
    assert_exact(search(vary(learner, family_name=spelling), learner=learner))


def test_tip_prefix_dropped_is_exact_when_everything_else_agrees() -> None:
    learner = vary(family_name="O'Brien")
    assert_exact(search(vary(learner, family_name="Brien"), learner=learner))


def test_tip_prefix_dropped_after_a_move_is_possible() -> None:
    learner = vary(family_name="O'Brien")
    query = vary(learner, family_name="Brien", postcode="LL57 2DG", middle_names="")
    assert_possible_first(search(query, learner=learner))


def test_tip_preferred_name_recorded_on_the_learner() -> None:
    learner = vary(preferred_given_name="Bobby")
    assert_exact(search(vary(given_name="Bobby"), learner=learner))


def test_tip_nickname_as_given_name() -> None:
    outcome = search(vary(given_name="Bob"))
    assert_exact(outcome)
    given = outcome.candidates[0].evidence[0]
    assert (given.field, given.verdict, given.searched, given.recorded) == (
        "given_name",
        "nickname",
        "Bob",
        "Robert",
    )


def test_tip_phonetic_spelling_stephenson_stevenson() -> None:
    learner = vary(family_name="Stephenson")
    outcome = search(vary(family_name="Stevenson"), learner=learner)
    assert_exact(outcome)
    assert outcome.candidates[0].evidence[1].verdict == "phonetic"
    moved = vary(family_name="Stevenson", postcode="LL57 2DG", middle_names="")
    assert_possible_first(search(moved, learner=learner))


def test_tip_phonetic_spelling_czaja_chiah_is_found_by_the_other_fields_only() -> None:
    """Metaphone does not equate Czaja and Chiah; the other fields still find the learner.

    Same given name, birthday, address and middle names: as certain as a name change.
    Without the middle names and at another address, a person decides.
    """
    learner = vary(given_name="Anna", family_name="Czaja", gender="2")
    outcome = search(vary(learner, family_name="Chiah"), learner=learner)
    assert_exact(outcome)
    assert outcome.candidates[0].evidence[1].verdict == "different"
    query = vary(learner, family_name="Chiah", postcode="CF10 2BB", middle_names="")
    assert_possible_first(search(query, learner=learner))


@pytest.mark.parametrize("spelling", ["Smith-Jones", "Smith Jones", "SmithJones", "smith - jones"])
def test_tip_double_barrelled_with_and_without_hyphen(spelling: str) -> None:
    learner = vary(family_name="Smith-Jones")
    assert_exact(search(vary(learner, family_name=spelling), learner=learner))


@pytest.mark.parametrize("part", ["Smith", "Jones"])
def test_tip_double_barrelled_one_part_only(part: str) -> None:
    learner = vary(family_name="Smith-Jones")
    assert_exact(search(vary(learner, family_name=part), learner=learner))


def test_tip_double_barrelled_search_for_single_name_record() -> None:
    assert_exact(search(vary(family_name="McDonald-Smith")))


def test_tip_swap_month_and_day() -> None:
    outcome = search(vary(date_of_birth=datetime.date(2008, 5, 3)))
    assert_exact(outcome)
    verdicts = {(item.field, item.verdict) for item in outcome.candidates[0].evidence}
    assert ("date_of_birth", "swapped_day_month") in verdicts


def test_tip_swap_month_and_day_with_a_nickname_and_middle_names_is_exact() -> None:
    query = vary(given_name="Bob", date_of_birth=datetime.date(2008, 5, 3))
    assert_exact(search(query))


def test_tip_swap_month_and_day_with_weaker_evidence_is_possible() -> None:
    query = vary(given_name="Bob", date_of_birth=datetime.date(2008, 5, 3), middle_names="")
    assert_possible_first(search(query, learner=vary(middle_names="")))


def test_tip_first_of_the_month_recorded() -> None:
    learner = vary(date_of_birth=datetime.date(2008, 3, 1))
    assert_exact(search(vary(date_of_birth=datetime.date(2008, 3, 17)), learner=learner))
    moved = vary(date_of_birth=datetime.date(2008, 3, 17), postcode="CF10 2BB", middle_names="")
    assert_possible_first(search(moved, learner=learner))


def test_tip_first_of_the_month_searched() -> None:
    learner = vary(date_of_birth=datetime.date(2008, 3, 17))
    assert_exact(search(vary(date_of_birth=datetime.date(2008, 3, 1)), learner=learner))
    moved = vary(date_of_birth=datetime.date(2008, 3, 1), postcode="CF10 2BB", middle_names="")
    assert_possible_first(search(moved, learner=learner))


def test_tip_previous_postcode() -> None:
    """The register holds the old address; the search gives the new one."""
    assert_possible_first(search(vary(postcode="LL57 2DG", middle_names="")))


def test_tip_previous_postcode_searched_finds_exactly() -> None:
    moved = vary(postcode="LL57 2DG")
    outcome = search(vary(middle_names=""), learner=moved)
    # A Robert Evans born the same day in the next street is shown too, and may rank first.
    assert outcome.kind is MatchKind.POSSIBLE
    assert TRUE_KEY in {candidate.key for candidate in outcome.candidates}
    assert_exact(search(vary(postcode="LL57 2DG"), learner=moved))


def test_tip_default_postcode_searched() -> None:
    assert_possible_first(search(vary(postcode="ZZ99 9ZZ", middle_names="")))


def test_tip_default_postcode_recorded() -> None:
    learner = vary(postcode="ZZ99 9ZZ")
    assert_possible_first(search(vary(middle_names=""), learner=learner))


# Other honest variations --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        vary(given_name="ROBERT", family_name="MCDONALD"),
        vary(gender="0"),
        vary(gender="9"),
        vary(middle_names=""),
        vary(given_name="Robret"),
        vary(postcode="cf101aa"),
    ],
    ids=[
        "upper case",
        "gender not known",
        "gender not specified",
        "no middle names",
        "typo",
        "postcode",
    ],
)
def test_small_differences_still_match_exactly(query: PersonDetails) -> None:
    assert_exact(search(query))


def test_accents_are_ignored() -> None:
    learner = vary(given_name="Siân", family_name="Llŷr", gender="2", middle_names="")
    assert_exact(search(vary(learner, given_name="Sian", family_name="LLYR"), learner=learner))


def test_moved_house_with_middle_names_agreeing_is_possible() -> None:
    """A namesake born the same day elsewhere with the same middle name looks just the same.

    On generated data about one such pair in a hundred is two people, so a person decides.
    """
    assert_possible_first(search(vary(postcode="LL57 2DG", middle_names="James")))


def test_moved_house_with_the_same_email_is_exact() -> None:
    learner = vary(email="robert.mcdonald@example.org")
    query = vary(learner, postcode="LL57 2DG")
    assert_exact(search(query, learner=learner))


def test_nickname_and_moved_house_is_possible() -> None:
    assert_possible_first(search(vary(given_name="Bob", postcode="LL57 2DG", middle_names="")))


def test_upn_agreement_supports_an_exact_match_after_a_move() -> None:
    learner = vary(upn="A123456789012")
    query = vary(postcode="LL57 2DG", middle_names="", upn="A123456789012")
    assert_exact(search(query, learner=learner))


def test_upn_disagreement_prevents_an_exact_match() -> None:
    learner = vary(upn="A123456789012")
    outcome = search(vary(upn="B999999999999"), learner=learner)
    assert outcome.kind is not MatchKind.EXACT


def test_no_match() -> None:
    stranger = PersonDetails("Ffion", "Pritchard", datetime.date(1999, 11, 23), "2", "SA1 1AA")
    outcome = search(stranger, must_retrieve=False)
    assert outcome.kind is MatchKind.NONE
    assert outcome.candidates == ()


# Never the wrong person ---------------------------------------------------------------------

TWIN_NAMES = [
    ("Oliver", "1", "Harry", "1"),
    ("Mason", "1", "Jason", "1"),
    ("Ella", "2", "Bella", "2"),
    ("Ava", "2", "Eva", "2"),
    ("Lily", "2", "Lucy", "2"),
    ("Jon", "1", "Joan", "2"),
    ("Alexander", "1", "Alexandra", "2"),
    ("Alexander", "0", "Alexandra", "0"),
    ("Sian", "2", "Shaun", "1"),
    ("Tom", "1", "Thomas", "1"),
    ("Alex", "1", "Alexander", "1"),
    ("Albie", "1", "Alfie", "1"),
    ("Jack", "1", "John", "1"),
]


@pytest.mark.parametrize(("first", "first_gender", "second", "second_gender"), TWIN_NAMES)
def test_twins_are_never_exact_for_each_other(
    first: str, first_gender: str, second: str, second_gender: str
) -> None:
    twin = vary(given_name=first, gender=first_gender, middle_names="")
    other = vary(given_name=second, gender=second_gender, middle_names="")
    # Only one twin registered: the other's search must not take it.
    outcome = decide(other, [Candidate(7, twin)])
    assert outcome.kind is not MatchKind.EXACT
    # Both registered: each search finds its own twin, never the other.
    both = [Candidate(7, twin), Candidate(8, other)]
    for query, key in ((twin, 7), (other, 8)):
        outcome = decide(query, both)
        assert outcome.candidates[0].key == key
        if outcome.kind is MatchKind.EXACT:
            assert [c.key for c in outcome.candidates] == [key]


def test_twins_searched_by_a_shared_nickname_are_both_possible() -> None:
    brother = vary(given_name="Alexander", middle_names="")
    sister = vary(given_name="Alexandra", gender="2", middle_names="")
    outcome = decide(
        vary(given_name="Alex", gender="0"), [Candidate(7, brother), Candidate(8, sister)]
    )
    assert outcome.kind is MatchKind.POSSIBLE
    assert {c.key for c in outcome.candidates} == {7, 8}


def test_twin_with_a_different_name_is_no_match_when_the_searched_twin_is_not_registered() -> None:
    """Robert's twin Thomas shares everything but the name: not worth a person's time."""
    twin = DECOYS[0]
    assert decide(LEARNER, [Candidate(7, twin)]).kind is MatchKind.NONE


def test_twin_with_a_near_name_is_possible_when_the_searched_twin_is_not_registered() -> None:
    albie = vary(given_name="Albie", middle_names="")
    outcome = decide(vary(given_name="Alfie", middle_names=""), [Candidate(7, albie)])
    assert outcome.kind is MatchKind.POSSIBLE
    assert outcome.candidates[0].key == 7


def test_namesake_born_the_same_day_elsewhere_is_not_exact() -> None:
    namesake = vary(postcode="LL57 2DG", middle_names="Gareth")
    outcome = decide(LEARNER, [Candidate(7, namesake)])
    assert outcome.kind is not MatchKind.EXACT


def test_namesake_without_other_support_is_not_exact() -> None:
    namesake = vary(postcode="LL57 2DG", middle_names="")
    assert decide(LEARNER, [Candidate(7, namesake)]).kind is MatchKind.POSSIBLE


def test_sibling_born_another_day_is_not_exact() -> None:
    sibling = vary(given_name="Rob", date_of_birth=datetime.date(2010, 3, 5), middle_names="")
    assert decide(LEARNER, [Candidate(7, sibling)]).kind is not MatchKind.EXACT


def test_gender_disagreement_prevents_an_exact_match() -> None:
    assert decide(vary(gender="2"), [Candidate(7, LEARNER)]).kind is MatchKind.POSSIBLE


def test_two_candidates_close_in_score_are_possible() -> None:
    duplicate = vary(gender="0")
    outcome = decide(LEARNER, [Candidate(7, LEARNER), Candidate(8, duplicate)])
    assert outcome.kind is MatchKind.POSSIBLE
    assert [c.key for c in outcome.candidates] == [7, 8]


def test_margin_is_taken_from_the_config() -> None:
    """A runner-up about 11 bits behind: clear under the default margin, not under twelve."""
    runner_up = vary(postcode="CF10 2BB", middle_names="")
    candidates = [Candidate(7, LEARNER), Candidate(8, runner_up)]
    assert decide(LEARNER, candidates).kind is MatchKind.EXACT
    assert decide(LEARNER, candidates, MatchConfig(margin=12.0)).kind is MatchKind.POSSIBLE


def test_a_plausible_runner_up_takes_its_share_of_the_posterior() -> None:
    """Even with no margin, a duplicate record leaves the best below the exact threshold."""
    duplicate = vary(gender="0")
    candidates = [Candidate(7, LEARNER), Candidate(8, duplicate)]
    assert decide(LEARNER, candidates, MatchConfig(margin=0.0)).kind is MatchKind.POSSIBLE
    assert decide(LEARNER, candidates[:1], MatchConfig(margin=0.0)).kind is MatchKind.EXACT


def test_more_than_ten_plausible_is_too_many_without_candidates() -> None:
    query = vary(postcode="ZZ99 9ZZ", middle_names="")
    namesakes = [
        Candidate(index, vary(postcode=f"LL{index} 2DG", middle_names="")) for index in range(11)
    ]
    outcome = decide(query, namesakes)
    assert outcome.kind is MatchKind.TOO_MANY
    assert outcome.candidates == ()
    assert outcome.considered == 11


def test_too_many_counts_every_candidate_considered() -> None:
    """Scoring stops once more than max_results are worth showing (the outcome can no longer
    change), but the outcome still counts every distinct candidate retrieved."""
    query = vary(postcode="ZZ99 9ZZ", middle_names="")
    namesakes = [
        Candidate(index, vary(postcode=f"LL{index} 2DG", middle_names="")) for index in range(11)
    ]
    strangers = [
        Candidate(100 + index, vary(given_name="Gwen", family_name="Price", gender="2"))
        for index in range(20)
    ]
    outcome = decide(query, [*namesakes, *strangers, namesakes[0]])
    assert outcome.kind is MatchKind.TOO_MANY
    assert outcome.candidates == ()
    assert outcome.considered == 31
    reordered = decide(query, [*strangers, *namesakes])
    assert (reordered.kind, reordered.considered) == (MatchKind.TOO_MANY, 31)


def test_ten_plausible_are_all_shown() -> None:
    query = vary(postcode="ZZ99 9ZZ", middle_names="")
    namesakes = [
        Candidate(index, vary(postcode=f"LL{index} 2DG", middle_names="")) for index in range(10)
    ]
    outcome = decide(query, namesakes)
    assert outcome.kind is MatchKind.POSSIBLE
    assert len(outcome.candidates) == 10


def test_repeated_candidates_are_scored_once() -> None:
    outcome = decide(LEARNER, [Candidate(7, LEARNER), Candidate(7, LEARNER)])
    assert outcome.kind is MatchKind.EXACT
    assert outcome.considered == 1


# Scores, reasons, identity ------------------------------------------------------------------


def test_scored_candidate_explains_itself() -> None:
    scored = score_candidate(vary(given_name="Bob"), Candidate(7, LEARNER))
    assert scored.key == 7
    assert 0.0 <= scored.probability <= 1.0
    assert scored.score == pytest.approx(sum(item.weight for item in scored.evidence))
    assert [item.field for item in scored.evidence][:5] == [
        "given_name",
        "family_name",
        "date_of_birth",
        "gender",
        "postcode",
    ]
    quoted = {item.field: (item.searched, item.recorded) for item in scored.evidence}
    assert quoted["given_name"] == ("Bob", "Robert")
    assert quoted["family_name"] == ("McDonald", "McDonald")
    assert quoted["postcode"] == (HOME, HOME)
    assert quoted["date_of_birth"] == ("", ""), "only names and postcodes carry their values"


def test_every_candidate_shown_carries_the_values_its_names_and_postcode_were_compared_on() -> None:
    outcome = search(vary(given_name="Bobby", postcode="CF10 1AB", middle_names=""))
    assert outcome.kind is MatchKind.POSSIBLE
    for candidate in outcome.candidates:
        quoted = {item.field: item for item in candidate.evidence if item.field in QUOTED_FIELDS}
        assert set(quoted) == QUOTED_FIELDS
        assert quoted["given_name"].searched == "Bobby"
        assert quoted["postcode"].searched == "CF10 1AB"
        assert all(item.recorded for item in quoted.values())


def test_identity_key_ignores_case_accents_and_punctuation() -> None:
    first = PersonDetails("Siân", "O'Brien-Smith", BIRTHDAY, "2", "cf101aa")
    second = PersonDetails("SIAN", "O Brien Smith", BIRTHDAY, "2", "CF10 1AA")
    assert identity_key(first) == identity_key(second)
    assert identity_key(first) == "sian|obriensmith|2008-03-05|2|CF101AA"


@pytest.mark.parametrize(
    "change",
    [
        {"given_name": "Bob"},
        {"family_name": "MacDonald"},
        {"date_of_birth": datetime.date(2008, 5, 3)},
        {"gender": "0"},
        {"postcode": "CF10 1AB"},
    ],
)
def test_identity_key_changes_with_each_key_field(change: dict[str, object]) -> None:
    assert identity_key(vary(**change)) != identity_key(LEARNER)


def test_identity_key_ignores_optional_fields() -> None:
    assert identity_key(vary(middle_names="", email="x@example.org")) == identity_key(LEARNER)


def test_estimate_parameters_from_labelled_pairs() -> None:
    pairs = [(vary(postcode=postcode), LEARNER, True) for postcode in ("CF10 1AA", "SA1 1AA")]
    pairs += [(vary(given_name=name), LEARNER, True) for name in ("Robert", "Bob", "Rob")]
    strangers = [vary(decoy, given_name=name) for decoy in DECOYS for name in ("Ann", "Huw")]
    pairs += [(LEARNER, stranger, False) for stranger in strangers]
    params = estimate_parameters(pairs)
    assert params.prior == pytest.approx(6 / 21)
    for field, verdicts in FIELD_VERDICTS.items():
        assert set(params.m[field]) == set(verdicts)
        assert sum(params.m[field].values()) == pytest.approx(1.0)
        assert sum(params.u[field].values()) == pytest.approx(1.0)
    assert params.weight("given_name", "exact") > 0
    assert params.weight("date_of_birth", "different") < 0


def test_default_weights_are_finite_and_signed_sensibly() -> None:
    for field, verdicts in FIELD_VERDICTS.items():
        for verdict in verdicts:
            weight = DEFAULT_PARAMETERS.weight(field, verdict)
            assert -30 < weight < 30
        if "exact" in verdicts:
            assert DEFAULT_PARAMETERS.weight(field, "exact") > 0
        if "different" in verdicts:
            assert DEFAULT_PARAMETERS.weight(field, "different") < 0


# Properties ---------------------------------------------------------------------------------

name_text = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZâéïôŵŷ' -"),
    max_size=25,
).filter(lambda text: any(ch.isalpha() for ch in text))
postcodes = st.sampled_from(["CF10 1AA", "sw1a1aa", "M1 1AE", "LL57 2DG", "EH1 1AA"])
people = st.builds(
    PersonDetails,
    given_name=name_text,
    family_name=name_text,
    date_of_birth=st.dates(datetime.date(1910, 1, 1), datetime.date(2015, 12, 31)),
    gender=st.sampled_from(["0", "1", "2", "9"]),
    postcode=postcodes,
    middle_names=st.one_of(st.just(""), name_text),
    preferred_given_name=st.one_of(st.just(""), name_text),
    previous_family_name=st.one_of(st.just(""), name_text),
    place_of_birth=st.sampled_from(["", "Cardiff"]),
    email=st.sampled_from(["", "x@example.org"]),
    upn=st.sampled_from(["", "A123456789012"]),
    uci=st.sampled_from(["", "1234567890ABC"]),
)


@settings(max_examples=200)
@given(people)
def test_a_person_alone_is_an_exact_match_for_themselves(details: PersonDetails) -> None:
    """Real postcodes only: a ZZ99 search is never exact without other support, by design."""
    outcome = decide(details, [Candidate(1, details)])
    assert outcome.kind is MatchKind.EXACT
    assert outcome.candidates[0].key == 1


def test_nickname_alone_is_possible_because_twins_can_have_variant_names() -> None:
    """Twins called Tom and Thomas exist; without a middle name or identifier, a person decides."""
    learner = vary(middle_names="")
    assert_possible_first(search(vary(given_name="Bob", middle_names=""), learner=learner))


def test_nickname_with_the_same_upn_is_exact() -> None:
    learner = vary(middle_names="", upn="A123456789012")
    query = vary(given_name="Bob", middle_names="", upn="A123456789012")
    assert_exact(search(query, learner=learner))


def test_different_middle_names_prevent_an_exact_match() -> None:
    """Twins where one goes by the other's name as her preferred name are told apart this way."""
    grace = PersonDetails("Grace", "Shaw", BIRTHDAY, "2", HOME, middle_names="Nicola")
    gemma = PersonDetails(
        "Gemma", "Shaw", BIRTHDAY, "2", HOME, middle_names="Grace", preferred_given_name="Grace"
    )
    assert decide(gemma, [Candidate(7, grace)]).kind is MatchKind.POSSIBLE
    assert decide(grace, [Candidate(8, gemma)]).kind is MatchKind.POSSIBLE


def test_twin_going_by_her_sisters_name_is_found_when_both_are_registered() -> None:
    """Amelia, known as Amy, and her twin Amy share a middle name; each search finds its own.

    With only one of them registered nothing in the details tells them apart: a learner
    called Amelia, known as Amy, registered as Amy Grace Smith at an old address is the far
    likelier story, and the model says so (a known limit, no hard rule: the generated data
    cannot show the risk, and twins rarely go by each other's names).
    """
    amelia = PersonDetails(
        "Amelia", "Smith", BIRTHDAY, "2", HOME, middle_names="Grace", preferred_given_name="Amy"
    )
    amy = PersonDetails("Amy", "Smith", BIRTHDAY, "2", "LL57 2DG", middle_names="Grace")
    both = [Candidate(7, amelia), Candidate(8, amy)]
    for query, key in ((amelia, 7), (amy, 8)):
        outcome = decide(query, both)
        assert [candidate.key for candidate in outcome.candidates][:1] == [key]


# A key field that differs with nothing to explain it (issue 13) -------------------------------

ALYS = PersonDetails("Alys", "Pritchard", datetime.date(2007, 5, 6), "2", "CF10 3AT")
ALYS_SEARCHED = PersonDetails(
    "Alys", "Totallydifferent", datetime.date(2007, 5, 6), "2", "CF10 3AT"
)


def test_an_entirely_different_family_name_is_never_exact() -> None:
    """Issue 13: every other key field agreed, and the engine was certain of another person."""
    outcome = decide(ALYS_SEARCHED, [Candidate(7, ALYS)])
    assert outcome.kind is not MatchKind.EXACT
    assert outcome.kind is MatchKind.POSSIBLE  # still shown: a person checks the name change


@pytest.mark.parametrize(
    "support",
    [
        {"upn": "A123456789012"},
        {"uci": "1234567890ABC"},
        {"email": "alys.p2007@example.org"},
        {"middle_names": "Angharad"},
    ],
)
def test_a_different_family_name_corroborated_by_a_personal_field_may_be_exact(
    support: dict[str, str],
) -> None:
    """A name change recorded nowhere, but the learner's own identifier or middle name agrees."""
    outcome = decide(vary(ALYS_SEARCHED, **support), [Candidate(7, vary(ALYS, **support))])
    assert outcome.kind is MatchKind.EXACT


@pytest.mark.parametrize(
    "query",
    [
        # A recorded previous family name explains it.
        vary(ALYS_SEARCHED, family_name="Pritchard", previous_family_name=""),
        # Names entered the wrong way round.
        vary(ALYS_SEARCHED, given_name="Pritchard", family_name="Alys"),
        # A keying slip.
        vary(ALYS_SEARCHED, family_name="Pritchrad"),
        # One part of a double-barrelled name.
        vary(ALYS_SEARCHED, family_name="Pritchard-Totallydifferent"),
    ],
)
def test_a_family_name_difference_explained_by_a_known_variant_still_matches(
    query: PersonDetails,
) -> None:
    assert decide(query, [Candidate(7, ALYS)]).kind is MatchKind.EXACT


def test_a_family_name_merely_similar_is_never_exact() -> None:
    """Pritchett is no typing slip of Pritchard (Jaro-Winkler close, three edits apart)."""
    outcome = decide(vary(ALYS, family_name="Pritchett"), [Candidate(7, ALYS)])
    assert outcome.candidates[0].evidence[1].verdict == "similar"
    assert outcome.kind is MatchKind.POSSIBLE


def test_a_family_name_two_edits_away_is_a_slip_that_may_be_exact() -> None:
    outcome = decide(vary(ALYS, family_name="Ritchards"), [Candidate(7, ALYS)])
    assert outcome.candidates[0].evidence[1].verdict == "two_edits"
    assert outcome.kind is MatchKind.EXACT


@pytest.mark.parametrize(
    ("recorded", "searched"),
    [
        ("Pritchard", "Pritchrad"),
        ("Pritchard", "Prtichard"),
        ("Pritchard", "Ritchards"),
        ("Braithwaite", "Braitahite"),
        ("Girdler", "Giredr"),
    ],
)
def test_a_family_name_keyed_with_a_transposition_is_a_slip_that_may_be_exact(
    recorded: str, searched: str
) -> None:
    """FEBRL's typo classes (letters swapped, one dropped beside a swap) explain the family
    name: every other field agreeing, the learner is found exactly."""
    learner = vary(ALYS, family_name=recorded)
    outcome = decide(vary(learner, family_name=searched), [Candidate(7, learner)])
    assert outcome.candidates[0].evidence[1].verdict in {"typo", "two_edits", "phonetic"}
    assert outcome.kind is MatchKind.EXACT


@pytest.mark.parametrize(
    ("recorded", "searched"),
    [("Baker", "Walker"), ("Anderson", "Henderson"), ("Blake", "Clarke"), ("Barton", "Martin")],
)
def test_another_real_family_name_two_keys_away_is_never_exact(
    recorded: str, searched: str
) -> None:
    """Near-miss non-cases: two real surnames two edits apart that start with other letters are
    two names. Alys Walker, searched with Alys Baker's birthday, gender and postcode, is the
    issue's case and goes to a person."""
    learner = vary(ALYS, family_name=recorded)
    outcome = decide(vary(learner, family_name=searched), [Candidate(7, learner)])
    assert outcome.candidates[0].evidence[1].verdict == "different"
    assert outcome.kind is MatchKind.POSSIBLE


def test_the_family_name_as_given_name_in_the_household_is_never_exact() -> None:
    """A partial swap tells nothing of the given name: at the address and birthday of a
    household it could be either twin."""
    outcome = decide(vary(ALYS, given_name="Pritchard"), [Candidate(7, ALYS)])
    assert outcome.candidates[0].evidence[0].verdict == "partly_swapped"
    assert outcome.kind is MatchKind.POSSIBLE


def test_a_given_name_with_its_first_letters_swapped_is_a_slip_even_in_the_household() -> None:
    liam = PersonDetails("Liam", "Pritchard", datetime.date(2007, 5, 6), "1", "CF10 3AT")
    outcome = decide(vary(liam, given_name="Ilam"), [Candidate(7, liam)])
    assert outcome.candidates[0].evidence[0].verdict == "one_edit"
    assert outcome.kind is MatchKind.EXACT


def test_a_family_name_searched_by_the_recorded_previous_name_is_exact() -> None:
    learner = vary(ALYS, family_name="Totallydifferent", previous_family_name="Pritchard")
    query = vary(ALYS, family_name="Pritchard")
    assert decide(query, [Candidate(7, learner)]).kind is MatchKind.EXACT


def test_an_entirely_different_given_name_is_never_exact() -> None:
    """Born the same day, same family name, elsewhere: a namesake's relative, not the learner."""
    learner = vary(ALYS, postcode="LL57 2DG")
    query = vary(ALYS, given_name="Bethan", postcode="LL57 2DG")
    assert decide(query, [Candidate(7, learner)]).kind is not MatchKind.EXACT


def test_an_entirely_different_date_of_birth_is_never_exact() -> None:
    """Same names and address, born years apart: a parent and child of one name, say."""
    query = vary(ALYS, date_of_birth=datetime.date(1979, 11, 23))
    assert decide(query, [Candidate(7, ALYS)]).kind is not MatchKind.EXACT


_UNEXPLAINED = {
    ("given_name", "different"),
    ("family_name", "different"),
    ("family_name", "similar"),
    ("date_of_birth", "different"),
}


@settings(max_examples=300)
@given(people, people)
def test_no_exact_match_rests_on_an_unexplained_different_key_field(
    query: PersonDetails, record: PersonDetails
) -> None:
    """Property: an exact match never carries "differs" for a name or the date of birth unless
    a personal field (middle names, email, UPN, UCI) agrees."""
    outcome = decide(query, [Candidate(1, record)])
    if outcome.kind is not MatchKind.EXACT:
        return
    verdicts = {item.field: item.verdict for item in outcome.candidates[0].evidence}
    corroborated = any(
        verdicts.get(name) in {"exact", "reordered"}
        for name in ("middle_names", "email", "upn", "uci")
    )
    differing = [name for name, verdict in _UNEXPLAINED if verdicts.get(name) == verdict]
    assert corroborated or not differing, verdicts


@settings(max_examples=200)
@given(people, name_text)
def test_a_person_searched_under_another_family_name_is_never_exact_without_support(
    details: PersonDetails, other_family: str
) -> None:
    """Property of the issue's example: everything else the same, the family name replaced."""
    learner = vary(details, middle_names="", email="", upn="", uci="", previous_family_name="")
    query = vary(learner, family_name=other_family)
    outcome = decide(query, [Candidate(1, learner)])
    family = {
        item.field: item.verdict for item in score_candidate(query, Candidate(1, learner)).evidence
    }
    if family.get("family_name") == "different":
        assert outcome.kind is not MatchKind.EXACT


def test_a_keying_slip_of_a_given_name_with_gender_unknown_is_not_taken_for_a_twin() -> None:
    """Nahan for Nathan names no twin; with no gender on either side it may still be exact."""
    nathan = PersonDetails("Nathan", "Bishop", BIRTHDAY, "0", HOME, middle_names="")
    assert decide(vary(nathan, given_name="Nahan"), [Candidate(7, nathan)]).kind is MatchKind.EXACT


def _pair(first: PersonDetails, second: PersonDetails) -> tuple[bool, bool]:
    """(blocked, reviewable) for two records of the register, as the duplicate finder sees."""
    from lrs.matching.decide import reviewable, score_pair
    from lrs.matching.prepare import prepare_uncached

    scored, blocked = score_pair(prepare_uncached(first), Candidate(key=2, details=second))
    return blocked, reviewable(scored)


def test_a_blocked_pair_a_person_may_still_check() -> None:
    household = PersonDetails(
        given_name="Thomas",
        family_name="Wells",
        date_of_birth=datetime.date(2008, 3, 1),
        gender="1",
        postcode="CF10 3AT",
    )
    # Twins-shaped with a nickname: twins Tom and Thomas, or Thomas registered twice.
    assert _pair(household, vary(household, given_name="Tom")) == (True, True)
    # A family name changed, no previous name recorded: a person can tell.
    assert _pair(household, vary(household, family_name="Hughes")) == (True, True)
    # Twins with other names, or a differing gender: never shown.
    assert _pair(household, vary(household, given_name="Ethan")) == (True, False)
    assert _pair(household, vary(household, given_name="Tom", gender="2")) == (True, False)


def test_judge_pair_is_score_pair_on_every_candidate_pair_of_a_register() -> None:
    """The duplicate finder's fast path (`judge_pair`) gives `score_pair`'s score, hard
    rules and evidence, whichever side of a pair comes first; a pair it drops unscored
    (`judge_reviewable_pair`, `identities_differ`) is one that `score_pair` blocks and
    `reviewable` refuses."""
    from bench.matching.fit import learner_details

    from lrs.matching.decide import (
        identities_differ,
        judge_pair,
        judge_reviewable_pair,
        reviewable,
        score_pair,
        twin_shaped,
    )
    from lrs.matching.prepare import prepare_uncached
    from lrs.synthetic import generate_register
    from lrs.synthetic.duplicates import plant_duplicates

    register = list(generate_register(3000, seed=17))
    planted = plant_duplicates(register, 100, seed=17)
    people = [learner_details(item) for item in [*register, *(p.learner for p in planted)]]
    stored: dict[str, list[int]] = {}
    for index, person in enumerate(people):
        for key in learner_keys(person):
            stored.setdefault(key, []).append(index)
    pairs = {
        (index, other)
        for index, person in enumerate(people)
        for key in query_keys(person)
        for other in stored.get(key, ())
        if other != index
    }
    assert len(pairs) > 2500
    kinds = {
        "blocked": 0,
        "reviewable": 0,
        "twin_shaped": 0,
        "identities_differ": 0,
        "not_reviewable": 0,
    }
    for first, second in sorted(pairs):
        expected, blocked = score_pair(
            prepare_uncached(people[first]), Candidate(key=second, details=people[second])
        )
        judged = judge_pair(prepare_uncached(people[first]), prepare_uncached(people[second]))
        assert judged.score == expected.score
        assert judged.scored(second) == expected
        assert judged.blocked() == blocked
        assert judged.reviewable() == reviewable(expected)
        assert judged.twin_shaped() == twin_shaped(expected)
        if identities_differ(prepare_uncached(people[first]), prepare_uncached(people[second])):
            # What the duplicate finder drops unscored: never on its worklist.
            assert blocked
            assert not reviewable(expected)
            kinds["identities_differ"] += 1
        reviewed = judge_reviewable_pair(
            prepare_uncached(people[first]), prepare_uncached(people[second])
        )
        if reviewed is None:
            assert blocked
            assert not reviewable(expected)
            kinds["not_reviewable"] += 1
        else:
            assert reviewed.scored(second) == expected
        kinds["blocked"] += blocked
        kinds["reviewable"] += blocked and reviewable(expected)
        kinds["twin_shaped"] += twin_shaped(expected)
    assert min(kinds.values()) > 0, kinds


def test_an_email_made_of_the_names_alone_does_not_explain_a_different_birth_date() -> None:
    """Found on 100,000 synthetic learners: a new Jack Hargreaves, born two years apart and
    living elsewhere, was certain to be the registered one because both had
    jack.hargreaves@ at the same college. A namesake may have such an address too."""
    learner = PersonDetails(
        "Jack",
        "Hargreaves",
        datetime.date(2004, 4, 30),
        "1",
        "S10 6DU",
        middle_names="Aaron",
        email="jack.hargreaves@students.example.org",
    )
    namesake = PersonDetails(
        "Jack",
        "Hargreaves",
        datetime.date(2006, 6, 25),
        "1",
        "LS1 4FP",
        email="jack.hargreaves@students.example.org",
    )
    assert decide(namesake, [Candidate(1, learner)]).kind is not MatchKind.EXACT
    assert score_pair(prepared(namesake), Candidate(1, learner))[1]  # the hard rule blocks it
    # An address of the learner's own making still corroborates: the rule does not block.
    own = dataclasses.replace(learner, email="jackh2004@students.example.org")
    searched = dataclasses.replace(namesake, email="jackh2004@students.example.org")
    assert not score_pair(prepared(searched), Candidate(1, own))[1]
