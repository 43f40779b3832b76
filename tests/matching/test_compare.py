import dataclasses
import datetime

import pytest

from lrs.matching.compare import (
    compare,
    compare_date_of_birth,
    compare_email,
    compare_family_name,
    compare_gender,
    compare_given_name,
    compare_middle_names,
    compare_place_of_birth,
    compare_postcode,
    compare_previous_family_name,
    compare_uci,
    compare_upn,
    prepared_verdicts,
)
from lrs.matching.model import DEFAULT_PARAMETERS, FIELD_VERDICTS
from lrs.matching.prepare import prepared
from lrs.matching.types import PersonDetails

BASE = PersonDetails(
    given_name="Robert",
    family_name="Stephenson",
    date_of_birth=datetime.date(2008, 3, 5),
    gender="1",
    postcode="CF10 1AA",
)


def person(**changes: object) -> PersonDetails:
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


def given_verdict(query: PersonDetails, record: PersonDetails) -> str:
    return compare_given_name(prepared(query), prepared(record)).verdict


def family_verdict(query: PersonDetails, record: PersonDetails) -> str:
    return compare_family_name(prepared(query), prepared(record)).verdict


@pytest.mark.parametrize(
    ("query", "record", "expected"),
    [
        (person(), person(), "exact"),
        (person(given_name="ROBERT"), person(), "exact"),
        (person(given_name="Siân"), person(given_name="Sian"), "exact"),
        (person(given_name="Mary-Jane"), person(given_name="Mary Jane"), "exact"),
        (person(given_name="Bob"), person(), "nickname"),
        (person(given_name="Bobby"), person(given_name="Robbie"), "nickname"),
        (person(given_name="Bobby"), person(preferred_given_name="Bobby"), "preferred_name"),
        (person(preferred_given_name="Bob"), person(given_name="Bob"), "preferred_name"),
        (person(given_name="Mary"), person(given_name="Mary Ann"), "part"),
        (person(given_name="James"), person(middle_names="James"), "middle_as_given"),
        (person(middle_names="Robert", given_name="Tom"), person(), "middle_as_given"),
        (person(given_name="Roberto"), person(), "typo"),
        (person(given_name="Rboert"), person(), "typo"),
        (person(given_name="Jon"), person(given_name="Joan"), "phonetic"),
        (person(given_name="R"), person(), "initial"),
        (person(given_name="Mason"), person(given_name="Jason"), "similar"),
        # Issue 13 levels: one edit beyond "typo" (the first two letters swapped, a short
        # name one key off), two edits in names of five letters or more.
        (person(given_name="Ilam"), person(given_name="Liam"), "one_edit"),
        (person(given_name="Kye"), person(given_name="Kyle"), "one_edit"),
        (person(given_name="Jesicca"), person(given_name="Jessica"), "two_edits"),
        # Two recognised names are two names, not an edit (Jon/Joan stays phonetic above).
        (person(given_name="Ella"), person(given_name="Bella"), "similar"),
        (person(given_name="Oliver"), person(given_name="Harry"), "different"),
        (person(given_name="Alexander"), person(given_name="Alexandra"), "typo"),
        (person(given_name=""), person(), "missing"),
    ],
)
def test_given_name_verdicts(query: PersonDetails, record: PersonDetails, expected: str) -> None:
    assert given_verdict(query, record) == expected


@pytest.mark.parametrize(
    ("query_family", "record_family", "expected"),
    [
        ("Stephenson", "STEPHENSON", "exact"),
        ("O'Brien", "O Brien", "exact"),
        ("OBrien", "O'Brien", "exact"),
        ("Smith-Jones", "Smith Jones", "exact"),
        ("SmithJones", "Smith-Jones", "exact"),
        ("MacDonald", "McDonald", "prefix"),
        ("Mac Donald", "McDonald", "prefix"),
        ("Brien", "O'Brien", "without_prefix"),
        ("Jones", "Smith-Jones", "part"),
        ("Smith-Jones", "Smith", "part"),
        ("Stevenson", "Stephenson", "phonetic"),
        ("Thomspon", "Thompson", "typo"),
        ("Ritchards", "Pritchard", "two_edits"),
        # A transposition beside another slip (FEBRL's corruption model): two edits, where the
        # optimal string alignment distance counted three.
        ("Braitahite", "Braithwaite", "two_edits"),
        ("Giredr", "Girdler", "two_edits"),
        ("Toselda", "Toseland", "two_edits"),
        ("Blacokw", "Blacklow", "two_edits"),
        # Two real surnames two keys apart, starting with other letters: two names, no slip.
        ("Walker", "Baker", "different"),
        ("Henderson", "Anderson", "different"),
        ("Clarke", "Blake", "different"),
        ("Martin", "Barton", "different"),
        # Three letters: one key off is still a slip; four letters two apart are not.
        ("Lee", "Lex", "one_edit"),
        ("Rewe", "Rees", "similar"),
        ("Pritchett", "Pritchard", "similar"),
        ("Czaja", "Chiah", "different"),
        ("Williams", "Stephenson", "different"),
        ("", "Stephenson", "missing"),
    ],
)
def test_family_name_verdicts(query_family: str, record_family: str, expected: str) -> None:
    assert (
        family_verdict(person(family_name=query_family), person(family_name=record_family))
        == expected
    )


def test_family_name_matching_the_recorded_previous_name() -> None:
    record = person(family_name="Jones", previous_family_name="Stephenson")
    assert family_verdict(person(), record) == "previous_family_name"


def test_previous_family_name_given_in_the_search() -> None:
    query = person(family_name="Jones", previous_family_name="Stephenson")
    assert family_verdict(query, person()) == "previous_family_name"


def test_swapped_given_and_family_names() -> None:
    query = person(given_name="Stephenson", family_name="Robert")
    assert given_verdict(query, person()) == "swapped_names"
    assert family_verdict(query, person()) == "swapped_names"


def test_swapped_names_tolerate_one_typo() -> None:
    query = person(given_name="Stephenson", family_name="Robret")
    assert given_verdict(query, person()) == "swapped_names"


def test_the_family_name_typed_into_the_given_name_field_is_a_partial_swap() -> None:
    query = person(given_name="Stephenson")
    assert given_verdict(query, person()) == "partly_swapped"
    assert family_verdict(query, person()) == "exact"


def test_the_given_name_typed_into_the_family_name_field_is_a_partial_swap() -> None:
    query = person(family_name="Robert")
    assert given_verdict(query, person()) == "exact"
    assert family_verdict(query, person()) == "partly_swapped"


def test_one_coincidence_is_not_a_swap() -> None:
    query = person(given_name="Stephenson", family_name="Harris")
    assert given_verdict(query, person()) == "different"


@pytest.mark.parametrize(
    ("query_date", "record_date", "expected"),
    [
        ((2008, 3, 5), (2008, 3, 5), "exact"),
        ((2008, 5, 3), (2008, 3, 5), "swapped_day_month"),
        ((2008, 3, 1), (2008, 3, 17), "first_of_month"),
        ((2008, 3, 17), (2008, 3, 1), "first_of_month"),
        ((2008, 3, 15), (2008, 3, 17), "same_month_year"),
        ((2009, 3, 5), (2008, 3, 5), "year_off_by_one"),
        # One digit of YYYYMMDD keyed wrongly, or two neighbours swapped.
        ((1998, 3, 15), (1988, 3, 15), "one_digit"),
        ((1998, 3, 15), (1998, 8, 15), "one_digit"),
        ((1998, 3, 15), (1998, 3, 25), "same_month_year"),
        ((1998, 3, 15), (1989, 3, 15), "one_digit"),
        ((1998, 3, 15), (1979, 11, 23), "different"),
        ((1999, 11, 23), (2008, 3, 5), "different"),
    ],
)
def test_date_of_birth_verdicts(
    query_date: tuple[int, int, int], record_date: tuple[int, int, int], expected: str
) -> None:
    query = prepared(person(date_of_birth=datetime.date(*query_date)))
    record = prepared(person(date_of_birth=datetime.date(*record_date)))
    assert compare_date_of_birth(query, record).verdict == expected


@pytest.mark.parametrize(
    ("query_gender", "record_gender", "expected"),
    [
        ("1", "1", "agree"),
        ("2", "1", "disagree"),
        ("0", "1", "missing"),
        ("1", "9", "missing"),
        ("9", "9", "missing"),
    ],
)
def test_gender_verdicts(query_gender: str, record_gender: str, expected: str) -> None:
    evidence = compare_gender(
        prepared(person(gender=query_gender)), prepared(person(gender=record_gender))
    )
    assert evidence.verdict == expected
    if expected == "missing":
        assert evidence.weight == 0


@pytest.mark.parametrize(
    ("query_postcode", "record_postcode", "expected"),
    [
        ("cf101aa", "CF10 1AA", "exact"),
        ("CF10 1AB", "CF10 1AA", "same_sector"),
        ("CF10 3XY", "CF10 1AA", "same_district"),
        ("LL57 2DG", "CF10 1AA", "different"),
        # A keying slip outside the district: one character changed, or two swapped.
        ("CF11 3AT", "CF10 3AT", "one_character"),
        ("CR10 3AT", "CF10 3AT", "one_character"),
        ("2612", "2621", "one_character"),
        ("2612", "2613", "one_character"),
        ("2612", "3721", "different"),
        ("ZZ99 9ZZ", "CF10 1AA", "default_postcode"),
        ("CF10 1AA", "ZZ99 9ZZ", "default_postcode"),
        ("", "CF10 1AA", "missing"),
    ],
)
def test_postcode_verdicts(query_postcode: str, record_postcode: str, expected: str) -> None:
    query = prepared(person(postcode=query_postcode))
    record = prepared(person(postcode=record_postcode))
    assert compare_postcode(query, record).verdict == expected


def test_a_postcode_slip_weighs_less_than_agreement_and_more_than_a_different_one() -> None:
    for row in ("postcode", "postcode|same_family"):
        slip = DEFAULT_PARAMETERS.weight(row, "one_character")
        assert DEFAULT_PARAMETERS.weight(row, "different") < slip
        assert slip < DEFAULT_PARAMETERS.weight(row, "exact")


def test_default_postcode_is_nearly_neutral() -> None:
    assert abs(DEFAULT_PARAMETERS.weight("postcode", "default_postcode")) < 1


@pytest.mark.parametrize(
    ("query_middle", "record_middle", "expected"),
    [
        ("James Owen", "james owen", "exact"),
        ("James", "James Owen", "part"),
        ("J O", "James Owen", "part"),
        ("Owen", "Peter", "different"),
        ("", "James", "missing"),
    ],
)
def test_middle_name_verdicts(query_middle: str, record_middle: str, expected: str) -> None:
    query = prepared(person(middle_names=query_middle))
    record = prepared(person(middle_names=record_middle))
    assert compare_middle_names(query, record).verdict == expected


def test_first_and_middle_names_in_another_order() -> None:
    query = prepared(person(given_name="James", middle_names="Robert"))
    record = prepared(person(middle_names="James"))
    assert compare_middle_names(query, record).verdict == "reordered"


def test_identifier_agreement_is_very_strong_and_disagreement_strong_against() -> None:
    same = prepared(person(upn="A123456789012", uci="1234567890ABC"))
    other = prepared(person(upn="B123456789012", uci="9234567890ABC"))
    assert compare_upn(same, same).weight > 20
    assert compare_uci(same, same).weight > 20
    assert compare_upn(same, other).weight < -4
    assert compare_uci(same, other).weight < -4


def test_email_and_place_of_birth() -> None:
    query = prepared(person(email=" Rob@Example.org", place_of_birth="Cardiff"))
    record = prepared(person(email="rob@example.org", place_of_birth="CARDIFF"))
    assert compare_email(query, record).verdict == "exact"
    assert compare_place_of_birth(query, record).verdict == "exact"
    assert compare_previous_family_name(query, record).verdict == "missing"


def test_optional_fields_are_compared_only_when_both_sides_have_them() -> None:
    fields = [item.field for item in compare(person(middle_names="James"), person())]
    assert fields == ["given_name", "family_name", "date_of_birth", "gender", "postcode"]
    fields = [item.field for item in compare(person(email="a@b.c"), person(email="a@b.c"))]
    assert fields[-1] == "email"


def test_weights_follow_the_model_rows() -> None:
    query, record = person(given_name="Bob", postcode="LL57 2DG"), person()
    rows = prepared_verdicts(prepared(query), prepared(record))
    for item, (field, verdict, row) in zip(compare(query, record), rows, strict=True):
        assert (item.field, item.verdict) == (field, verdict)
        assert item.weight == DEFAULT_PARAMETERS.weight(row, verdict)
    assert DEFAULT_PARAMETERS.weight("given_name", "exact") > 0
    assert DEFAULT_PARAMETERS.weight("given_name", "different") < 0


def test_a_shared_postcode_counts_for_less_within_a_family() -> None:
    """Siblings share an address; strangers rarely do."""
    relative = compare(person(given_name="Megan"), person())
    stranger = compare(person(given_name="Megan", family_name="Evans"), person())
    assert 0 < relative[4].weight < stranger[4].weight


def test_a_shared_birthday_within_a_household_is_weighed_by_its_own_row() -> None:
    """Within one household, a shared birthday is what twins have; the row says how often.

    Among retrieved candidates a shared birthday elsewhere is common (blocking keys on it), so
    the household row counts for more, but never as proof: its u is the twin rate, far above
    zero, and the given name must still tell twins apart.
    """
    household = prepared_verdicts(prepared(person()), prepared(person()))
    elsewhere = prepared_verdicts(prepared(person(postcode="LL57 2DG")), prepared(person()))
    assert household[2] == ("date_of_birth", "exact", "date_of_birth|same_household")
    assert elsewhere[2] == ("date_of_birth", "exact", "date_of_birth")
    assert DEFAULT_PARAMETERS.u["date_of_birth|same_household"]["exact"] > 0.01
    twin = compare(person(given_name="Thomas"), person())
    assert sum(item.weight for item in twin) < 0


def test_a_twins_given_name_is_weighed_by_its_own_row() -> None:
    """Same family name, address and birthday: the exact name is the learner, a near one a twin."""
    twin = prepared_verdicts(prepared(person(given_name="Roberta")), prepared(person()))
    assert twin[0] == ("given_name", "typo", "given_name|same_household_birthday")
    row = "given_name|same_household_birthday"
    assert DEFAULT_PARAMETERS.weight(row, "exact") > DEFAULT_PARAMETERS.weight(row, "typo") + 2


def test_a_namesakes_given_name_is_weighed_by_its_own_row() -> None:
    namesake = prepared_verdicts(prepared(person(postcode="LL57 2DG")), prepared(person()))
    assert namesake[0] == ("given_name", "exact", "given_name|same_family_birthday")
    assert namesake[4] == ("postcode", "different", "postcode|same_family")


def test_swapped_names_are_weighed_once() -> None:
    rows = prepared_verdicts(
        prepared(person(given_name="Stephenson", family_name="Robert")), prepared(person())
    )
    assert rows[0] == ("given_name", "swapped_names", "given_name")
    assert rows[1] == ("family_name", "swapped_names", "family_name|names_swapped")
    assert DEFAULT_PARAMETERS.weight("family_name|names_swapped", "swapped_names") == 0


def test_a_given_name_shared_at_one_address_and_birthday_is_weighed_by_its_own_row() -> None:
    """Another family name, same postcode and birthday: the given name decides (a name change)."""
    query = person(family_name="Price")
    rows = prepared_verdicts(prepared(query), prepared(person()))
    assert rows[0] == ("given_name", "exact", "given_name|same_address_birthday")
    assert DEFAULT_PARAMETERS.weight(
        "given_name|same_address_birthday", "exact"
    ) > DEFAULT_PARAMETERS.weight("given_name", "exact")


@pytest.mark.parametrize("postcode", ["CF10 1AA", "LL57 2DG"])
def test_a_slip_in_the_date_never_outscores_the_correct_date(postcode: str) -> None:
    correct = compare(person(postcode=postcode), person())[2].weight
    for slipped in ((2008, 5, 3), (2008, 3, 1), (2008, 3, 7), (2009, 3, 5)):
        query = person(postcode=postcode, date_of_birth=datetime.date(*slipped))
        assert compare(query, person())[2].weight <= correct


@pytest.mark.parametrize(
    ("email", "row"),
    [
        ("robert.stephenson@example.org", "email|from_names"),
        ("Stephenson_Robert@example.org", "email|from_names"),
        ("robert.stephenson08@example.org", "email"),
        ("rstephenson@example.org", "email"),
        ("bobby@example.org", "email"),
    ],
)
def test_an_email_made_of_the_names_only_is_weighed_by_its_own_row(email: str, row: str) -> None:
    """A namesake may have chosen robert.stephenson@ too; a number or nickname is personal."""
    rows = prepared_verdicts(prepared(person(email=email)), prepared(person(email=email)))
    assert rows[-1] == ("email", "exact", row)
    assert DEFAULT_PARAMETERS.weight("email|from_names", "exact") < DEFAULT_PARAMETERS.weight(
        "email", "exact"
    )


def test_a_date_slip_never_weighs_below_a_wholly_different_date_nor_above_agreement() -> None:
    for row in ("date_of_birth", "date_of_birth|same_household"):
        different = DEFAULT_PARAMETERS.weight(row, "different")
        exact = DEFAULT_PARAMETERS.weight(row, "exact")
        for slip in FIELD_VERDICTS[row]:
            if slip not in {"exact", "different"}:
                assert different <= DEFAULT_PARAMETERS.weight(row, slip) <= exact, (row, slip)
