import re

import pytest

from lrs.matching import nicknames
from lrs.matching.nicknames import NICKNAME_GROUPS, are_name_variants, given_name_keys
from lrs.matching.normalise import compact_name


def test_table_has_at_least_150_groups() -> None:
    assert len(NICKNAME_GROUPS) >= 150


def test_group_ids_are_unique_lines() -> None:
    ids = [line.split()[0] for line in nicknames._GROUPS]
    assert len(ids) == len(set(ids))


def test_table_names_are_written_normalised() -> None:
    for members in NICKNAME_GROUPS.values():
        for name in members:
            assert re.fullmatch(r"[a-z]+", name), name
            assert compact_name(name) == name


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Bob", "Robert"),
        ("Robbie", "Bobby"),
        ("Beth", "Elizabeth"),
        ("Liz", "Elizabeth"),
        ("Lizzie", "Eliza"),
        ("Betty", "Elizabeth"),
        ("Bill", "William"),
        ("Liam", "William"),
        ("Dai", "Dafydd"),
        ("Dave", "David"),
        ("Dafydd", "David"),
        ("Davy", "Dafydd"),
        ("Ifan", "Ieuan"),
        ("Evan", "Ieuan"),
        ("Ianto", "Ifan"),
        ("Gwen", "Gwendolen"),
        ("Rhod", "Rhodri"),
        ("Catrin", "Katherine"),
        ("Cath", "Catherine"),
        ("Kate", "Kathryn"),
        ("Katie", "Catherine"),
        ("Kat", "Kate"),
        ("Alex", "Alexander"),
        ("Alex", "Alexandra"),
        ("Sandy", "Alexander"),
        ("Alfie", "Alfred"),
        ("Tom", "Thomas"),
        ("Tommy", "Tomos"),
        ("Jim", "James"),
        ("Jamie", "James"),
        ("Mike", "Michael"),
        ("Micky", "Michael"),
        ("Sam", "Samuel"),
        ("Sam", "Samantha"),
        ("Chris", "Christopher"),
        ("Chris", "Christine"),
        ("Christina", "Christine"),
        ("Nick", "Nicholas"),
        ("Danny", "Daniel"),
        ("Joe", "Joseph"),
        ("Joey", "Joseph"),
        ("Jo", "Joanne"),
        ("Jo", "Josephine"),
        ("Meg", "Margaret"),
        ("Maggie", "Margaret"),
        ("Peggy", "Margaret"),
        ("Jack", "John"),
        ("Johnny", "John"),
        ("Harry", "Henry"),
        ("Hal", "Henry"),
        ("Ned", "Edward"),
        ("Ted", "Edward"),
        ("Eddie", "Edmund"),
        ("Charlie", "Charles"),
        ("Chaz", "Charles"),
        ("Charlie", "Charlotte"),
        ("Lottie", "Charlotte"),
        ("Freddie", "Frederick"),
        ("Fred", "Alfred"),
        ("Ollie", "Oliver"),
        ("Ollie", "Olivia"),
        ("Liv", "Olivia"),
        ("Izzy", "Isabel"),
        ("Isabella", "Isobel"),
        ("Abbie", "Abigail"),
        ("Becky", "Rebecca"),
        ("Jess", "Jessica"),
        ("Ellie", "Eleanor"),
        ("Nell", "Helen"),
        ("Nell", "Eleanor"),
        ("Tony", "Anthony"),
        ("Antony", "Anthony"),
        ("Matt", "Matthew"),
        ("Andy", "Andrew"),
        ("Drew", "Andrew"),
        ("Steve", "Stephen"),
        ("Steven", "Stephen"),
        ("Jonny", "Jonathan"),
        ("Ben", "Benjamin"),
        ("Zac", "Zachary"),
        ("Josh", "Joshua"),
        ("Ricky", "Richard"),
        ("Dick", "Richard"),
        ("Geoff", "Jeffrey"),
        ("Jeff", "Geoffrey"),
        ("Gaz", "Gareth"),
        ("Llew", "Llewellyn"),
        ("Llew", "Llywelyn"),
        ("Rhys", "Reece"),
        ("Owain", "Owen"),
        ("Huw", "Hugh"),
        ("Mohammed", "Muhammad"),
        ("Siân", "Sian"),
        ("ROBERT", "robert"),
    ],
)
def test_known_variants(first: str, second: str) -> None:
    assert are_name_variants(first, second)
    assert are_name_variants(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Alexander", "Alexandra"),
        ("Christopher", "Christine"),
        ("Samuel", "Samantha"),
        ("Oliver", "Olivia"),
        ("Charles", "Charlotte"),
        ("Joseph", "Josephine"),
        ("Sian", "Jane"),
        ("Ian", "John"),
        ("Robert", "William"),
        ("Mason", "Jason"),
        ("Harry", "Hannah"),
        ("Jonathan", "Nathan"),
        ("", "Robert"),
    ],
)
def test_distinct_names_are_not_variants(first: str, second: str) -> None:
    assert not are_name_variants(first, second)


def test_a_short_form_belongs_to_every_group_it_serves() -> None:
    assert {"alexander", "alexandra"} <= given_name_keys("Alex")
    assert given_name_keys("Robert") == frozenset({"robert"})


def test_unknown_name_has_no_group() -> None:
    assert given_name_keys("Zebedee") == frozenset()


def test_each_word_of_a_multi_word_name_is_looked_up() -> None:
    assert {"mary", "jane"} <= given_name_keys("Mary-Jane")
    assert are_name_variants("Mary-Jane", "Polly")
