"""The synthetic register: determinism, identifiers, households, twins, names and shares."""

import dataclasses
import datetime
import itertools
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest

from lrs.identifiers import DEFAULT_POSTCODE, is_issuable_uln, is_valid_postcode, validate_postcode
from lrs.synthetic import SyntheticLearner, generate_register
from lrs.synthetic._data import BOYS, GIRLS
from lrs.synthetic.people import AREAS

TODAY = datetime.date(2026, 11, 23)
# The register's name rule, restated here rather than imported so the tests check the
# generator against the rule and not against its own helper.
NAME_RULE = re.compile(r"[^\W\d_]+(?:[ '\-][^\W\d_]+)*")
FORBIDDEN_WORDS = {"prisoner", "unknown", "test", "none", "dummy", "null", "na", "x"}


def name_is_acceptable(name: str) -> bool:
    """Letters, spaces, hyphens and apostrophes; at most 35 characters; no forbidden word."""
    if not name or len(name) > 35 or not NAME_RULE.fullmatch(name):
        return False
    return not FORBIDDEN_WORDS & set(re.split(r"[ '\-]+", name.casefold()))


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    """Whole years between ``date_of_birth`` and ``day``."""
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


NAME_FIELDS = (
    "given_name",
    "middle_other_name",
    "family_name",
    "preferred_given_name",
    "previous_family_name",
)
WELSH_GIVEN = set(BOYS["welsh"]) | set(GIRLS["welsh"])
WELSH_OUTWARDS = {area.outward for area in AREAS["wales"]}


def outward(learner: SyntheticLearner) -> str:
    return learner.last_known_postcode.split(" ")[0]


def share(register: list[SyntheticLearner], predicate) -> float:
    return sum(1 for learner in register if predicate(learner)) / len(register)


def test_same_seed_gives_same_register():
    assert list(generate_register(3000, seed=5)) == list(generate_register(3000, seed=5))


def test_different_seeds_give_different_registers():
    first = [learner.uln for learner in generate_register(200, seed=1)]
    second = [learner.uln for learner in generate_register(200, seed=2)]
    assert not set(first) & set(second)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 101])
def test_yields_exactly_n_learners(n):
    assert len(list(generate_register(n, seed=3))) == n


def test_negative_count_is_refused():
    with pytest.raises(ValueError, match="zero or more"):
        generate_register(-1)


def test_register_is_streamed():
    """Asking for a million learners returns at once and makes them only as they are read."""
    started = time.perf_counter()
    learners = generate_register(1_000_000)
    first = list(itertools.islice(learners, 10))
    assert isinstance(learners, Iterator)
    assert len(first) == 10
    assert time.perf_counter() - started < 5


def test_learner_is_frozen_and_slotted(register):
    learner = register[0]
    assert not hasattr(learner, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        learner.given_name = "Changed"


def test_ulns_are_unique_and_issuable(register):
    ulns = [learner.uln for learner in register]
    assert len(set(ulns)) == len(ulns)
    assert all(is_issuable_uln(uln) for uln in ulns)


def test_ulns_follow_the_mod_11_rule(register):
    for learner in register[:2000]:
        digits = [int(char) for char in learner.uln]
        remainder = sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
        assert remainder != 0
        assert digits[9] == 10 - remainder
        assert digits[0] != 0


def test_twins_share_birthday_family_name_and_postcode(register, by_uln):
    twins = [learner for learner in register if learner.twin_of]
    assert 0.01 <= len(twins) / len(register) <= 0.02
    for learner in twins:
        twin = by_uln[learner.twin_of]
        assert twin.twin_of == learner.uln
        assert twin.date_of_birth == learner.date_of_birth
        assert twin.family_name == learner.family_name
        assert twin.last_known_postcode == learner.last_known_postcode
        assert twin.household_id == learner.household_id
        assert twin.given_name.casefold() != learner.given_name.casefold()


def test_some_twins_share_an_initial(register, by_uln):
    pairs = {
        tuple(sorted((learner.uln, learner.twin_of))) for learner in register if learner.twin_of
    }
    same_initial = [
        pair for pair in pairs if by_uln[pair[0]].given_name[0] == by_uln[pair[1]].given_name[0]
    ]
    assert 0.1 * len(pairs) <= len(same_initial) <= 0.4 * len(pairs)


def test_twin_whose_twin_was_cut_off_has_no_link():
    learners = list(generate_register(5000, seed=11))
    index = next(
        i for i, learner in enumerate(learners[:-1]) if learner.twin_of == learners[i + 1].uln
    )
    cut = list(generate_register(index + 1, seed=11))
    assert cut[:-1] == learners[:index]
    assert cut[-1].uln == learners[index].uln
    assert cut[-1].twin_of is None


def test_households_share_postcode_and_family_name(register):
    households = defaultdict(list)
    for learner in register:
        households[learner.household_id].append(learner)
    sizes = Counter(len(members) for members in households.values())
    assert sizes[1] > sizes[2] > sizes[3] > 0
    for members in households.values():
        assert len({member.last_known_postcode for member in members}) == 1
        assert len({member.family_name for member in members}) == 1
        assert len({member.previous_family_name for member in members}) == 1


def test_household_members_differ_in_birthday_or_given_name(register):
    """Siblings have different birthdays unless twins; a shared given name is a parent's."""
    households = defaultdict(list)
    for learner in register:
        households[learner.household_id].append(learner)
    for members in households.values():
        for first, second in itertools.combinations(members, 2):
            if first.date_of_birth == second.date_of_birth:
                assert first.twin_of == second.uln
            elif first.given_name == second.given_name:
                gap = abs(first.date_of_birth.year - second.date_of_birth.year)
                assert gap >= 18
            else:
                assert abs((first.date_of_birth - second.date_of_birth).days) >= 300


def test_deliberate_namesakes_are_born_the_same_day_elsewhere(register):
    seen = defaultdict(list)
    for learner in register:
        seen[learner.given_name, learner.family_name, learner.date_of_birth].append(learner)
    elsewhere = [
        group
        for group in seen.values()
        if len(group) > 1 and len({outward(learner) for learner in group}) > 1
    ]
    assert len(elsewhere) >= 20
    for group in elsewhere:
        assert len({learner.household_id for learner in group}) == len(group)


def test_namesakes_also_arise_with_other_birthdays(register):
    names = Counter((learner.given_name, learner.family_name) for learner in register)
    assert names.most_common(1)[0][1] >= 10


def test_names_obey_the_register_rules(register):
    for learner in register:
        for field in NAME_FIELDS:
            value = getattr(learner, field)
            if value or field in ("given_name", "family_name"):
                assert name_is_acceptable(value), (field, value)
        assert len(learner.place_of_birth) <= 35


def test_postcodes_are_valid_and_canonical(register):
    for learner in register:
        assert is_valid_postcode(learner.last_known_postcode)
        assert validate_postcode(learner.last_known_postcode) == learner.last_known_postcode
    default = share(register, lambda learner: learner.last_known_postcode == DEFAULT_POSTCODE)
    assert 0.005 <= default <= 0.015


def test_every_district_is_a_real_outward_code_format():
    for areas in AREAS.values():
        for area in areas:
            assert is_valid_postcode(f"{area.outward} 1AB"), area


def test_households_cluster_in_districts_and_sectors(register):
    """Learners spread over 200+ real districts, each using only a few postcode sectors."""
    sectors = defaultdict(set)
    for learner in register:
        if learner.last_known_postcode != DEFAULT_POSTCODE:
            sectors[outward(learner)].add(learner.last_known_postcode.split(" ")[1][0])
    assert len(sectors) > 200
    assert all(2 <= len(digits) <= 5 for digits in sectors.values() if len(digits) > 1)


def test_ages_suit_the_register(register):
    reference = datetime.date(2026, 9, 1)
    ages = [age_on(learner.date_of_birth, reference) for learner in register]
    assert min(ages) == 14
    assert max(ages) <= 60
    assert sum(1 for age in ages if age <= 25) / len(ages) >= 0.9
    assert sum(1 for age in ages if age > 25) / len(ages) >= 0.02
    assert all(13 <= age_on(learner.date_of_birth, TODAY) <= 110 for learner in register)


def test_ages_follow_the_reference_date():
    reference = datetime.date(2020, 2, 29)
    for learner in generate_register(3000, seed=4, reference_date=reference):
        assert 14 <= age_on(learner.date_of_birth, reference) <= 60


def test_field_shares_are_realistic(register):
    assert 0.55 <= share(register, lambda x: x.middle_other_name) <= 0.65
    assert 0.06 <= share(register, lambda x: x.preferred_given_name) <= 0.10
    assert 0.02 <= share(register, lambda x: x.previous_family_name) <= 0.04
    assert 0.27 <= share(register, lambda x: x.email_address) <= 0.33
    assert 0.01 <= share(register, lambda x: "-" in x.family_name) <= 0.03
    assert 0.85 <= share(register, lambda x: x.place_of_birth) <= 0.95


def test_gender_is_mostly_male_or_female(register):
    genders = Counter(learner.gender for learner in register)
    assert set(genders) == {"0", "1", "2", "9"}
    assert 0.45 <= genders["1"] / len(register) <= 0.55
    assert genders["0"] + genders["9"] < 0.01 * len(register)


def test_given_names_are_skewed_by_popularity(register):
    counts = Counter(learner.given_name for learner in register).most_common()
    top = counts[0][1] / len(register)
    median = counts[len(counts) // 2][1]
    assert 0.01 <= top <= 0.05
    assert counts[0][1] >= 20 * median
    assert len(counts) > 400


def test_family_names_are_skewed_and_varied(register):
    counts = Counter(learner.family_name for learner in register)
    top_names = {name for name, _ in counts.most_common(6)}
    assert {"Smith", "Jones", "Williams"} <= top_names
    assert len(counts) > 500


def test_welsh_given_names_are_commoner_in_wales(register):
    def welsh_share(learners):
        return sum(1 for learner in learners if learner.given_name in WELSH_GIVEN) / len(learners)

    in_wales = [learner for learner in register if outward(learner) in WELSH_OUTWARDS]
    in_england = [
        learner
        for learner in register
        if outward(learner) not in WELSH_OUTWARDS
        and learner.last_known_postcode != DEFAULT_POSTCODE
    ]
    assert 0.07 <= len(in_wales) / len(register) <= 0.13
    assert welsh_share(in_wales) > 3 * welsh_share(in_england)


def test_register_has_the_awkward_name_forms(register):
    family_names = {learner.family_name for learner in register}
    given_names = {learner.given_name for learner in register}
    assert any(name.startswith("O'") for name in family_names)
    assert {"McDonald", "MacDonald"} <= family_names
    assert any(not name.isascii() for name in given_names)
    assert any(not name.isascii() for name in family_names)
    assert {"Patel", "Nowak", "Okafor", "Wong"} <= family_names
    assert {"Dafydd", "Siân", "Ffion", "Gethin"} <= given_names


def test_emails_use_reserved_example_domains(register):
    for learner in register:
        if learner.email_address:
            local, domain = learner.email_address.split("@")
            assert local
            assert local.isascii()
            assert domain.split(".")[-2] == "example"


def test_generating_100k_learners(capsys):
    """Reports the time taken; a few seconds is expected, but the machine decides."""
    started = time.perf_counter()
    count = sum(1 for _ in generate_register(100_000, seed=9))
    elapsed = time.perf_counter() - started
    assert count == 100_000
    with capsys.disabled():
        print(f"\n[lrs.synthetic] generated 100,000 learners in {elapsed:.2f} s")
