"""A synthetic register of learners: households, siblings, twins and namesakes, streamed.

:func:`generate_register` yields :class:`SyntheticLearner` records one household at a time, so a
register of a million learners needs memory only for the set of ULNs already issued and a small
sample of earlier learners (to make deliberate namesakes from).

How a household is made:

* an area: England or Wales (about 10% Wales), a real outward code there and a unit postcode in
  one of a few sectors of that district, so households cluster as in real towns; about 1% of
  households have the default postcode ``ZZ99 9ZZ``;
* a naming tradition (British, Welsh, Irish and Scottish forms, South Asian, Polish, West African,
  Chinese, other European) in shares that differ between England and Wales, which sets the
  family name and the mix of given names;
* one to three children aged 14 to 25 with different birthdays (twins about 1.5% of learners),
  or one adult learner aged 26 to 60; a few households hold a parent and child who are both
  learners, sometimes with the same given name;
* a few households are deliberate namesakes of an earlier learner: same given name, family name,
  gender and date of birth, in a different district.

Names are drawn with Zipf-like weights by popularity rank (see :mod:`lrs.synthetic._data`), so
common names are far more common than rare ones and namesakes arise as they do in real data.
"""

import datetime
import random
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple, TypeVar

from lrs.identifiers import DEFAULT_POSTCODE, generate_uln
from lrs.synthetic import _data
from lrs.synthetic._text import email_part, is_acceptable_name

__all__ = ["DEFAULT_REFERENCE_DATE", "SyntheticLearner", "generate_register"]

T = TypeVar("T")

DEFAULT_REFERENCE_DATE: Final = datetime.date(2026, 9, 1)
"""The start of the 2026/27 academic year; ages are counted at this date."""

MIN_AGE: Final = 14
"""Youngest learner's age at the reference date; the register itself accepts 13 and over."""

MAX_YOUNG_AGE: Final = 25
MAX_AGE: Final = 60

MALE: Final = "1"
FEMALE: Final = "2"
GENDER_NOT_KNOWN: Final = "0"
GENDER_NOT_SPECIFIED: Final = "9"


@dataclass(frozen=True, slots=True)
class SyntheticLearner:
    """One learner on the synthetic register, with the ground truth about their household."""

    uln: str
    given_name: str
    middle_other_name: str
    family_name: str
    preferred_given_name: str
    previous_family_name: str
    date_of_birth: datetime.date
    gender: str
    last_known_postcode: str
    place_of_birth: str
    email_address: str
    household_id: int
    twin_of: str | None


# -- Tuning -------------------------------------------------------------------------------------

_WALES_SHARE: Final = 0.10
_DEFAULT_POSTCODE_SHARE: Final = 0.01
_ADULT_HOUSEHOLD_SHARE: Final = 0.07
_PARENT_AND_CHILD_SHARE: Final = 0.004
_NAMESAKE_SHARE: Final = 0.003
_CHILDREN_WEIGHTS: Final = ((1, 0.62), (2, 0.29), (3, 0.09))
# Per birth; each twin birth gives two learners, so about 1.5% of learners are twins.
_TWIN_BIRTH_SHARE: Final = 0.0076
_SAME_INITIAL_TWIN_SHARE: Final = 0.2
_IDENTICAL_TWIN_SHARE: Final = 1 / 3
_DOUBLE_BARRELLED_SHARE: Final = 0.023
_PREVIOUS_FAMILY_SHARE: Final = 0.03
_MIDDLE_NAME_SHARE: Final = 0.6
_SECOND_MIDDLE_NAME_SHARE: Final = 0.12
_EMAIL_SHARE: Final = 0.3
_NO_BIRTHPLACE_SHARE: Final = 0.1
_MALE_SHARE: Final = 0.512
_GENDER_NOT_KNOWN_SHARE: Final = 0.002
_GENDER_NOT_SPECIFIED_SHARE: Final = 0.002
# Chance of a preferred given name for a learner whose given name has a nickname, and for one
# who goes by a middle name instead; together about 8% of learners.
_NICKNAME_PREFERRED_SHARE: Final = 0.26
_MIDDLE_PREFERRED_SHARE: Final = 0.045

# Learners per age at the reference date (14 to 25): school years 10 to 13, then college,
# apprenticeships and university, thinning out with age.
_YOUNG_AGE_WEIGHTS: Final = (10, 10.5, 11, 11, 9, 7.5, 6, 5, 4.5, 4, 3.5, 3)
_ADULT_AGES: Final = tuple(range(MAX_YOUNG_AGE + 1, MAX_AGE + 1))
_ADULT_AGE_WEIGHTS: Final = tuple(1 / (age - 22) for age in _ADULT_AGES)

_HERITAGE_SHARES: Final[dict[str, dict[str, float]]] = {
    "england": {
        "general": 0.860,
        "south_asian": 0.080,
        "west_african": 0.025,
        "polish": 0.015,
        "european": 0.012,
        "chinese": 0.008,
    },
    "wales": {
        "general": 0.950,
        "south_asian": 0.025,
        "polish": 0.010,
        "west_african": 0.006,
        "european": 0.005,
        "chinese": 0.004,
    },
}

# Given names by naming context: British households in Wales choose Welsh names far more often
# than in England, and households of other traditions mix their own names with British ones.
_GIVEN_MIX: Final[dict[str, dict[str, float]]] = {
    "general_england": {
        "general": 0.93,
        "welsh": 0.03,
        "south_asian": 0.01,
        "west_african": 0.01,
        "european": 0.01,
        "polish": 0.005,
        "chinese": 0.005,
    },
    "general_wales": {
        "general": 0.68,
        "welsh": 0.30,
        "european": 0.01,
        "south_asian": 0.005,
        "polish": 0.005,
    },
    "south_asian": {"south_asian": 0.75, "general": 0.25},
    "polish": {"polish": 0.7, "general": 0.3},
    "west_african": {"west_african": 0.5, "general": 0.5},
    "chinese": {"chinese": 0.35, "general": 0.65},
    "european": {"european": 0.6, "general": 0.4},
}

_FAMILY_MIX: Final[dict[str, dict[str, float]]] = {
    "general_england": {"british": 0.86, "irish_scottish": 0.12, "welsh": 0.02},
    "general_wales": {"welsh": 0.55, "british": 0.40, "irish_scottish": 0.05},
    "south_asian": {"south_asian": 1.0},
    "polish": {"polish": 1.0},
    "west_african": {"west_african": 1.0},
    "chinese": {"chinese": 1.0},
    "european": {"european": 1.0},
}

# Zipf-like weight of the name at rank r (from 1): 1 / (r + offset) ** exponent.
_GIVEN_ZIPF: Final = (0.9, 3.0)
_FAMILY_ZIPF: Final = (0.7, 8.0)
_MIDDLE_ZIPF: Final = (1.0, 1.0)

_INWARD_LETTERS: Final = "ABDEFGHJLNPQRSTUWXYZ"
_RESERVOIR_SIZE: Final = 512


# -- Weighted drawing ---------------------------------------------------------------------------


class WeightedTable:
    """Items with weights, drawn in O(log n) with one random number."""

    __slots__ = ("_cumulative", "_total", "items")

    def __init__(self, weights: Mapping[str, float]) -> None:
        self.items: tuple[str, ...] = tuple(weights)
        running = 0.0
        cumulative = []
        for weight in weights.values():
            running += weight
            cumulative.append(running)
        self._cumulative = cumulative
        self._total = running

    def shares(self) -> dict[str, float]:
        """Each item's chance of being drawn."""
        shares: dict[str, float] = {}
        previous = 0.0
        for item, running in zip(self.items, self._cumulative, strict=True):
            shares[item] = shares.get(item, 0.0) + (running - previous) / self._total
            previous = running
        return shares

    def draw(self, rng: random.Random) -> str:
        """Return one item, chosen with probability proportional to its weight."""
        return self.items[bisect_right(self._cumulative, rng.random() * self._total)]


def _zipf_mix(
    pools: Mapping[str, Sequence[str]], shares: Mapping[str, float], exponent: float, offset: float
) -> WeightedTable:
    """Return a table mixing ranked pools: each pool's Zipf weights scaled to its share."""
    weights: dict[str, float] = {}
    for pool, share in shares.items():
        names = pools[pool]
        raw = [1.0 / (rank + offset) ** exponent for rank in range(1, len(names) + 1)]
        scale = share / sum(raw)
        for name, weight in zip(names, raw, strict=True):
            weights[name] = weights.get(name, 0.0) + weight * scale
    return WeightedTable(weights)


def _build_given_tables() -> dict[tuple[str, str], WeightedTable]:
    tables = {}
    for context, mix in _GIVEN_MIX.items():
        tables[context, MALE] = _zipf_mix(_data.BOYS, mix, *_GIVEN_ZIPF)
        tables[context, FEMALE] = _zipf_mix(_data.GIRLS, mix, *_GIVEN_ZIPF)
    return tables


GIVEN_TABLES: Final = _build_given_tables()
"""Given-name tables keyed by (naming context, gender "1" or "2")."""

FAMILY_TABLES: Final = {
    context: _zipf_mix(_data.FAMILY, mix, *_FAMILY_ZIPF) for context, mix in _FAMILY_MIX.items()
}
"""Family-name tables keyed by naming context."""

# -- The long tail (``generate_register(long_tail=True)``) -----------------------------------
#
# The lists of ``_data`` hold a few hundred names per pool: enough for the matching tests and
# benchmarks, which are calibrated on them, but at millions of learners far too few. A national
# register has a very long tail of given and family names, each held by few people, and it is
# the tail that keeps learners sharing a full name and a date of birth rare. Published shapes
# the long-tail tables are tuned to:
#
# * ONS, "Baby names in England and Wales" (annual bulletin): the most popular boys' name is
#   given to about 1.5-2% of boys (Muhammad 4,177 of about 310,000 boys in 2022; Harry and Jack
#   about 2% a decade earlier), and the top 100 names cover roughly half of all boys, with
#   thousands of names given to three babies or more;
# * ONS births in England and Wales: about 600,000-700,000 a year, some 1,800 a day;
# * family names: Smith, the commonest, is held by about 1.3% of people, and the rest follow a
#   Zipf-like curve over tens of thousands of distinct names.
#
# With ``long_tail`` the British given-name pools ("general") and the British family-name pool
# ("british") are the listed names followed by made-up rare ones (joined from the parts in
# ``_data``), weighted by one Zipf curve over the whole list; the other pools are unchanged.
# ``bench/names.py`` prints the resulting shape.
_TAIL_GIVEN_ZIPF: Final = (1.3, 16.0)
_TAIL_FAMILY_ZIPF: Final = (1.0, 9.0)


def _joined(
    starts: Sequence[str], middles: Sequence[str], ends: Sequence[str], known: Sequence[str]
) -> tuple[str, ...]:
    """Every start + end, then every start + middle + end, each list in a fixed shuffled
    order, without names already ``known`` or not acceptable to the register."""
    seen = {name.casefold() for name in known}
    names: list[str] = []
    for parts in (
        [(start, end) for start in starts for end in ends],
        [(start, middle, end) for start in starts for middle in middles for end in ends],
    ):
        batch = []
        for pieces in parts:
            name = "".join(pieces)
            folded = name.casefold()
            if folded not in seen and is_acceptable_name(name):
                seen.add(folded)
                batch.append(name)
        # A string seed is hashed with SHA-512, so the order is the same in every run.
        random.Random(f"tail:{starts[0]}:{len(batch)}").shuffle(batch)  # noqa: S311
        names.extend(batch)
    return tuple(names)


def _with_tail(
    pools: Mapping[str, Sequence[str]], pool: str, tail: tuple[str, ...]
) -> dict[str, Sequence[str]]:
    return {**pools, pool: (*pools[pool], *tail)}


def _build_long_tail_tables() -> tuple[
    dict[tuple[str, str], WeightedTable], dict[str, WeightedTable]
]:
    boys = _with_tail(
        _data.BOYS,
        "general",
        _joined(
            _data.TAIL_BOY_STARTS, _data.TAIL_BOY_MIDDLES, _data.TAIL_BOY_ENDS, _all(_data.BOYS)
        ),
    )
    girls = _with_tail(
        _data.GIRLS,
        "general",
        _joined(
            _data.TAIL_GIRL_STARTS, _data.TAIL_GIRL_MIDDLES, _data.TAIL_GIRL_ENDS, _all(_data.GIRLS)
        ),
    )
    family = _with_tail(
        _data.FAMILY,
        "british",
        _joined(
            _data.TAIL_FAMILY_STARTS,
            _data.TAIL_FAMILY_JOINS,
            _data.TAIL_FAMILY_ENDS,
            _all(_data.FAMILY),
        ),
    )
    given: dict[tuple[str, str], WeightedTable] = {}
    for context, mix in _GIVEN_MIX.items():
        for gender, pools in ((MALE, boys), (FEMALE, girls)):
            given[context, gender] = _zipf_mixes(
                pools, mix, "general", _TAIL_GIVEN_ZIPF, _GIVEN_ZIPF
            )
    families = {
        context: _zipf_mixes(family, mix, "british", _TAIL_FAMILY_ZIPF, _FAMILY_ZIPF)
        for context, mix in _FAMILY_MIX.items()
    }
    return given, families


def _all(pools: Mapping[str, Sequence[str]]) -> list[str]:
    return [name for names in pools.values() for name in names]


def _zipf_mixes(
    pools: Mapping[str, Sequence[str]],
    shares: Mapping[str, float],
    tailed: str,
    tail_zipf: tuple[float, float],
    zipf: tuple[float, float],
) -> WeightedTable:
    """``_zipf_mix`` with the pool ``tailed`` weighted by ``tail_zipf``, the others by ``zipf``."""
    weights: dict[str, float] = {}
    for pool, share in shares.items():
        exponent, offset = tail_zipf if pool == tailed else zipf
        names = pools[pool]
        raw = [1.0 / (rank + offset) ** exponent for rank in range(1, len(names) + 1)]
        scale = share / sum(raw)
        for name, weight in zip(names, raw, strict=True):
            weights[name] = weights.get(name, 0.0) + weight * scale
    return WeightedTable(weights)


_long_tail_tables: list[tuple[dict[tuple[str, str], WeightedTable], dict[str, WeightedTable]]] = []


def long_tail_tables() -> tuple[dict[tuple[str, str], WeightedTable], dict[str, WeightedTable]]:
    """The given-name and family-name tables with the long tail, built on first use."""
    if not _long_tail_tables:
        _long_tail_tables.append(_build_long_tail_tables())
    return _long_tail_tables[0]


_MIDDLE_TABLES: Final = {
    MALE: _zipf_mix({"m": _data.MIDDLE_BOYS}, {"m": 1.0}, *_MIDDLE_ZIPF),
    FEMALE: _zipf_mix({"f": _data.MIDDLE_GIRLS}, {"f": 1.0}, *_MIDDLE_ZIPF),
}
_HERITAGE_TABLES: Final = {
    nation: WeightedTable(shares) for nation, shares in _HERITAGE_SHARES.items()
}


class Area(NamedTuple):
    """A postcode district: nation ("england" or "wales"), outward code and post town."""

    nation: str
    outward: str
    town: str


def _parse_areas(nation: str, entries: Sequence[str]) -> tuple[Area, ...]:
    areas = []
    for entry in entries:
        outward, town = entry.split(":")
        areas.append(Area(nation, outward, town))
    return tuple(areas)


AREAS: Final = {
    "england": _parse_areas("england", _data.ENGLAND_OUTWARDS),
    "wales": _parse_areas("wales", _data.WALES_OUTWARDS),
}
"""Every postcode district used, by nation."""


def _district_sectors(outward: str) -> str:
    """Return the 2-5 sector digits in use in a district, fixed for each outward code."""
    # A string seed is hashed with SHA-512, so the sectors are the same in every run.
    picker = random.Random(f"sectors:{outward}")  # noqa: S311 - synthetic data, not security
    return "".join(sorted(picker.sample("0123456789", picker.randint(2, 5))))


_SECTORS: Final = {
    area.outward: _district_sectors(area.outward) for group in AREAS.values() for area in group
}


# -- Dates --------------------------------------------------------------------------------------


def years_before(day: datetime.date, years: int) -> datetime.date:
    """Return the same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    """Return the age in whole years on ``day`` of someone born on ``date_of_birth``."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


# -- People -------------------------------------------------------------------------------------


class PersonMaker:
    """Draws the parts of a synthetic person; shared by the register and the query generator."""

    def __init__(
        self, rng: random.Random, reference_date: datetime.date, *, long_tail: bool = False
    ) -> None:
        self.rng = rng
        self.reference_date = reference_date
        self._given_tables, self._family_tables = (
            long_tail_tables() if long_tail else (GIVEN_TABLES, FAMILY_TABLES)
        )
        self._birth_ordinals: dict[int, tuple[int, int]] = {}
        self._young_ages = WeightedTable(
            {str(age): weight for age, weight in enumerate(_YOUNG_AGE_WEIGHTS, start=MIN_AGE)}
        )
        self._adult_ages = WeightedTable(
            {str(age): weight for age, weight in zip(_ADULT_AGES, _ADULT_AGE_WEIGHTS, strict=True)}
        )

    # Places

    def area(self, *, avoid_outward: str = "") -> Area:
        """Return a random district, Wales in about 10% of cases, other than ``avoid_outward``."""
        nation = "wales" if self.rng.random() < _WALES_SHARE else "england"
        while True:
            area = self.pick(AREAS[nation])
            if area.outward != avoid_outward:
                return area

    def pick(self, items: Sequence[T]) -> T:
        """Return one of ``items`` uniformly (a faster ``random.choice``)."""
        return items[int(self.rng.random() * len(items))]

    def postcode(self, outward: str) -> str:
        """Return a unit postcode in one of the district's sectors, e.g. ``CV4 9EE``."""
        pick = self.pick
        return f"{outward} {pick(_SECTORS[outward])}{pick(_INWARD_LETTERS)}{pick(_INWARD_LETTERS)}"

    def household_postcode(self, outward: str) -> str:
        """Return a postcode for a household: the default one in about 1% of cases."""
        if self.rng.random() < _DEFAULT_POSTCODE_SHARE:
            return DEFAULT_POSTCODE
        return self.postcode(outward)

    def place_of_birth(self, area: Area, heritage: str) -> str:
        """Return a birthplace: mostly the home town, sometimes elsewhere or abroad, or blank."""
        rng = self.rng
        roll = rng.random()
        if roll < _NO_BIRTHPLACE_SHARE:
            return ""
        abroad = 0.2 if heritage != "general" else 0.02
        if roll < _NO_BIRTHPLACE_SHARE + abroad:
            key = heritage if heritage in _data.ABROAD_BIRTHPLACES else "british"
            return self.pick(_data.ABROAD_BIRTHPLACES[key])
        if rng.random() < 0.7:
            return area.town
        if rng.random() < 0.5:
            return self.pick(_data.OTHER_BIRTHPLACES)
        return self.area().town

    # Naming tradition and names

    def heritage(self, nation: str) -> str:
        """Return the household's naming tradition, in shares that differ by nation."""
        return _HERITAGE_TABLES[nation].draw(self.rng)

    @staticmethod
    def naming_context(heritage: str, nation: str) -> str:
        """Return the key of the name tables for a tradition in a nation."""
        return f"general_{nation}" if heritage == "general" else heritage

    def gender(self) -> str:
        """Return "1" (male) or "2" (female), and rarely "0" (not known) or "9" (not specified)."""
        roll = self.rng.random()
        if roll < _GENDER_NOT_KNOWN_SHARE:
            return GENDER_NOT_KNOWN
        if roll < _GENDER_NOT_KNOWN_SHARE + _GENDER_NOT_SPECIFIED_SHARE:
            return GENDER_NOT_SPECIFIED
        return MALE if self.rng.random() < _MALE_SHARE else FEMALE

    def _name_gender(self, gender: str) -> str:
        if gender in (MALE, FEMALE):
            return gender
        return self.rng.choice((MALE, FEMALE))

    def given_name(
        self, gender: str, context: str, *, avoid: Sequence[str] = (), initial: str = ""
    ) -> str:
        """Return a given name for ``gender`` that is not in ``avoid`` (compared without case).

        With ``initial``, a name starting with that letter is preferred (as for twins named
        alike); it falls back to any other name when none turns up quickly.
        """
        table = self._given_tables[context, self._name_gender(gender)]
        avoided = {name.casefold() for name in avoid}
        attempts = 0
        while True:
            attempts += 1
            name = table.draw(self.rng)
            if name.casefold() in avoided:
                continue
            if initial and attempts < 200 and not name.startswith(initial):
                continue
            return name

    def family_name(self, context: str, *, avoid: str = "") -> str:
        """Return a family name for the naming context, other than ``avoid``."""
        table = self._family_tables[context]
        while True:
            name = table.draw(self.rng)
            if name.casefold() != avoid.casefold():
                return name

    def household_family_name(self, context: str) -> str:
        """Return a family name, double-barrelled (``Morgan-Price``) in about 2% of households."""
        first = self.family_name(context)
        if not context.startswith("general") or self.rng.random() >= _DOUBLE_BARRELLED_SHARE:
            return first
        for _ in range(20):
            second = self.family_name(context, avoid=first)
            joined = f"{first}-{second}"
            if " " not in joined and is_acceptable_name(joined):
                return joined
        return first

    def middle_names(self, gender: str, context: str, given_name: str) -> str:
        """Return one or two middle names (about 60% of learners have any), or ``""``."""
        rng = self.rng
        if rng.random() >= _MIDDLE_NAME_SHARE:
            return ""
        count = 2 if rng.random() < _SECOND_MIDDLE_NAME_SHARE else 1
        name_gender = self._name_gender(gender)
        chosen = [given_name]
        while len(chosen) <= count:
            if rng.random() < 0.5:
                name = _MIDDLE_TABLES[name_gender].draw(rng)
            else:
                name = self._given_tables[context, name_gender].draw(rng)
            if name.casefold() not in {taken.casefold() for taken in chosen}:
                chosen.append(name)
        middle = " ".join(chosen[1:])
        return middle if is_acceptable_name(middle) else chosen[1]

    def preferred_given_name(self, given_name: str, middle_other_name: str) -> str:
        """Return a nickname or middle name the learner goes by (about 8% of learners) or ``""``."""
        rng = self.rng
        nicknames = _data.NICKNAMES.get(given_name)
        if nicknames:
            return rng.choice(nicknames) if rng.random() < _NICKNAME_PREFERRED_SHARE else ""
        if middle_other_name and rng.random() < _MIDDLE_PREFERRED_SHARE:
            return middle_other_name.split(" ")[0]
        return ""

    def email(self, given_name: str, family_name: str, date_of_birth: datetime.date) -> str:
        """Return an address at a reserved example domain (about 30% of learners), or ``""``."""
        rng = self.rng
        if rng.random() >= _EMAIL_SHARE:
            return ""
        given = email_part(given_name) or "learner"
        family = email_part(family_name) or "student"
        number = rng.randrange(1, 100)
        pattern = rng.randrange(6)
        if pattern == 0:
            local = f"{given}.{family}"
        elif pattern == 1:
            local = f"{given}.{family}{number}"
        elif pattern == 2:
            local = f"{given[0]}{family}{date_of_birth.year % 100:02d}"
        elif pattern == 3:
            local = f"{given}{family}{number}"
        elif pattern == 4:
            local = f"{given}_{family}{date_of_birth.day:02d}"
        else:
            local = f"{family}.{given}{number}"
        return f"{local}@{self.pick(_data.EMAIL_DOMAINS)}"

    # Dates

    def young_age(self) -> int:
        """Return an age from 14 to 25, weighted towards school and college ages."""
        return int(self._young_ages.draw(self.rng))

    def adult_age(self) -> int:
        """Return an adult learner's age from 26 to 60, younger ages more common."""
        return int(self._adult_ages.draw(self.rng))

    def date_of_birth(self, age: int) -> datetime.date:
        """Return a random date of birth giving exactly ``age`` at the reference date."""
        bounds = self._birth_ordinals.get(age)
        if bounds is None:
            latest = years_before(self.reference_date, age)
            earliest = years_before(self.reference_date, age + 1) + datetime.timedelta(days=1)
            bounds = (earliest.toordinal(), latest.toordinal() - earliest.toordinal() + 1)
            self._birth_ordinals[age] = bounds
        first, days = bounds
        return datetime.date.fromordinal(first + int(self.rng.random() * days))

    def in_age_range(self, date_of_birth: datetime.date, low: int, high: int) -> bool:
        """Return True when the age at the reference date is from ``low`` to ``high``."""
        return low <= age_on(date_of_birth, self.reference_date) <= high


# -- Households ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Member:
    """A household member before a ULN is issued."""

    given_name: str
    middle_other_name: str
    preferred_given_name: str
    date_of_birth: datetime.date
    gender: str
    place_of_birth: str
    twin_index: int | None = None


class _Namesake(NamedTuple):
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    gender: str
    outward: str


class _RegisterBuilder:
    """Makes households and turns them into learners with unique ULNs."""

    def __init__(self, seed: int, reference_date: datetime.date, *, long_tail: bool) -> None:
        # Separate streams, so a change in how ULNs are drawn leaves the people as they were.
        self.rng = random.Random(f"lrs.synthetic.people:{seed}")  # noqa: S311 - synthetic data
        self.uln_rng = random.Random(f"lrs.synthetic.uln:{seed}")  # noqa: S311 - synthetic data
        self.maker = PersonMaker(self.rng, reference_date, long_tail=long_tail)
        # With the long tail, an earlier learner is copied as a namesake at most once (see
        # `household`).
        self.copy_once = long_tail
        self.issued: set[int] = set()
        self.household_id = 0
        self.reservoir: list[_Namesake] = []
        self.seen = 0

    def _new_uln(self) -> str:
        while True:
            uln = generate_uln(self.uln_rng)
            number = int(uln)
            if number not in self.issued:
                self.issued.add(number)
                return uln

    def _member(
        self,
        gender: str,
        context: str,
        area: Area,
        heritage: str,
        date_of_birth: datetime.date,
        *,
        taken: Sequence[str] = (),
        given_name: str = "",
    ) -> _Member:
        """Return a new household member; ``given_name`` is drawn unless one is passed."""
        maker = self.maker
        given = given_name or maker.given_name(gender, context, avoid=taken)
        middle = maker.middle_names(gender, context, given)
        return _Member(
            given_name=given,
            middle_other_name=middle,
            preferred_given_name=maker.preferred_given_name(given, middle),
            date_of_birth=date_of_birth,
            gender=gender,
            place_of_birth=maker.place_of_birth(area, heritage),
        )

    def _twin_of(self, first: _Member, context: str, taken: list[str], index: int) -> _Member:
        maker, rng = self.maker, self.rng
        gender = first.gender if rng.random() < _IDENTICAL_TWIN_SHARE else maker.gender()
        initial = first.given_name[0] if rng.random() < _SAME_INITIAL_TWIN_SHARE else ""
        given = maker.given_name(gender, context, avoid=taken, initial=initial)
        middle = maker.middle_names(gender, context, given)
        first.twin_index = index + 1
        return _Member(
            given_name=given,
            middle_other_name=middle,
            preferred_given_name=maker.preferred_given_name(given, middle),
            date_of_birth=first.date_of_birth,
            gender=gender,
            place_of_birth=first.place_of_birth,
            twin_index=index,
        )

    def _children(self, context: str, area: Area, heritage: str) -> list[_Member]:
        maker, rng = self.maker, self.rng
        wanted = rng.choices(
            [count for count, _ in _CHILDREN_WEIGHTS], [weight for _, weight in _CHILDREN_WEIGHTS]
        )[0]
        members: list[_Member] = []
        taken: list[str] = []
        births: list[datetime.date] = []
        for child in range(wanted):
            if child == 0:
                dob = maker.date_of_birth(maker.young_age())
            else:
                sibling_dob = self._sibling_birthday(births)
                if sibling_dob is None:
                    break
                dob = sibling_dob
            member = self._member(maker.gender(), context, area, heritage, dob, taken=taken)
            members.append(member)
            taken.append(member.given_name)
            births.append(member.date_of_birth)
            if rng.random() < _TWIN_BIRTH_SHARE:
                twin = self._twin_of(member, context, taken, len(members) - 1)
                members.append(twin)
                taken.append(twin.given_name)
        return members

    def _sibling_birthday(self, births: list[datetime.date]) -> datetime.date | None:
        """Return a birthday at least ~11 months from every other child's, within 14-25."""
        maker, rng = self.maker, self.rng
        for _ in range(6):
            gap = datetime.timedelta(days=int(rng.triangular(320, 2600, 800)))
            base = rng.choice(births)
            for candidate in (base - gap, base + gap) if rng.random() < 0.5 else (base + gap,):
                if not maker.in_age_range(candidate, MIN_AGE, MAX_YOUNG_AGE):
                    continue
                if all(abs((candidate - other).days) >= 300 for other in births):
                    return candidate
        return None

    def _parent_and_child(self, context: str, area: Area, heritage: str) -> list[_Member]:
        maker, rng = self.maker, self.rng
        child_dob = maker.date_of_birth(rng.randint(MIN_AGE, 18))
        child = self._member(maker.gender(), context, area, heritage, child_dob)
        parent_gender = maker.gender()
        parent_dob = maker.date_of_birth(rng.randint(36, 55))
        # A son named after his father: a classic false match at the same address.
        if parent_gender == child.gender == MALE and rng.random() < 0.3:
            given = child.given_name
        else:
            given = maker.given_name(parent_gender, context, avoid=[child.given_name])
        parent = self._member(parent_gender, context, area, heritage, parent_dob, given_name=given)
        return [parent, child]

    def _remember(self, family_name: str, member: _Member, outward: str) -> None:
        """Keep a uniform sample of earlier learners (reservoir sampling) to copy namesakes from."""
        self.seen += 1
        entry = _Namesake(
            member.given_name, family_name, member.date_of_birth, member.gender, outward
        )
        if len(self.reservoir) < _RESERVOIR_SIZE:
            self.reservoir.append(entry)
            return
        slot = int(self.rng.random() * self.seen)
        if slot < _RESERVOIR_SIZE:
            self.reservoir[slot] = entry

    def household(self) -> list[SyntheticLearner]:
        """Return the learners of one new household."""
        maker, rng = self.maker, self.rng
        self.household_id += 1
        kind = rng.random()
        if kind < _NAMESAKE_SHARE and self.reservoir:
            if not self.copy_once:
                return self._namesake_household(rng.choice(self.reservoir))
            # The reservoir holds 512 learners however large the register: drawn with
            # replacement, each would be copied about 4 times at a million learners and 40 at
            # ten million, blocks of same-name, same-birthday namesakes no register holds.
            # Taken out once copied, its slot is filled by the next learner made.
            return self._namesake_household(
                self.reservoir.pop(int(rng.random() * len(self.reservoir)))
            )
        area = maker.area()
        heritage = maker.heritage(area.nation)
        context = maker.naming_context(heritage, area.nation)
        family = maker.household_family_name(context)
        kind -= _NAMESAKE_SHARE
        if kind < _ADULT_HOUSEHOLD_SHARE:
            dob = maker.date_of_birth(maker.adult_age())
            members = [self._member(maker.gender(), context, area, heritage, dob)]
        elif kind < _ADULT_HOUSEHOLD_SHARE + _PARENT_AND_CHILD_SHARE:
            members = self._parent_and_child(context, area, heritage)
        else:
            members = self._children(context, area, heritage)
        previous = ""
        if rng.random() < _PREVIOUS_FAMILY_SHARE:
            previous = maker.family_name(context, avoid=family)
        postcode = maker.household_postcode(area.outward)
        for member in members:
            self._remember(family, member, area.outward)
        return self._learners(members, family, previous, postcode)

    def _namesake_household(self, source: _Namesake) -> list[SyntheticLearner]:
        """Return one learner with the name, gender and birthday of ``source``, elsewhere."""
        maker = self.maker
        area = maker.area(avoid_outward=source.outward)
        context = maker.naming_context("general", area.nation)
        middle = maker.middle_names(source.gender, context, source.given_name)
        member = _Member(
            given_name=source.given_name,
            middle_other_name=middle,
            preferred_given_name=maker.preferred_given_name(source.given_name, middle),
            date_of_birth=source.date_of_birth,
            gender=source.gender,
            place_of_birth=maker.place_of_birth(area, "general"),
        )
        return self._learners([member], source.family_name, "", maker.postcode(area.outward))

    def _learners(
        self, members: list[_Member], family: str, previous: str, postcode: str
    ) -> list[SyntheticLearner]:
        ulns = [self._new_uln() for _ in members]
        learners = []
        for member, uln in zip(members, ulns, strict=True):
            learners.append(
                SyntheticLearner(
                    uln=uln,
                    given_name=member.given_name,
                    middle_other_name=member.middle_other_name,
                    family_name=family,
                    preferred_given_name=member.preferred_given_name,
                    previous_family_name=previous,
                    date_of_birth=member.date_of_birth,
                    gender=member.gender,
                    last_known_postcode=postcode,
                    place_of_birth=member.place_of_birth,
                    email_address=self.maker.email(member.given_name, family, member.date_of_birth),
                    household_id=self.household_id,
                    twin_of=None if member.twin_index is None else ulns[member.twin_index],
                )
            )
        return learners


def generate_register(
    n: int,
    *,
    seed: int = 0,
    reference_date: datetime.date = DEFAULT_REFERENCE_DATE,
    long_tail: bool = False,
) -> Iterator[SyntheticLearner]:
    """Yield ``n`` synthetic learners, the same ones for the same ``seed`` and ``long_tail``.

    ``long_tail``: draw British given and family names from the listed names followed by a
    long tail of rare made-up ones, in the shape of national name statistics (see the notes
    above ``_TAIL_GIVEN_ZIPF``), so that namesakes stay as rare at millions of learners as on a
    real register. Off by default: the matching tests and benchmarks are calibrated on the listed
    names alone, and their seeded registers stay as they were.

    Ages are counted at ``reference_date``: mostly 14 to 25, a few adults up to 60. Learners come
    household by household (siblings and twins next to each other). When the last household
    would overflow ``n`` it is cut short, and a twin whose twin was cut gets ``twin_of=None``.
    Raises ValueError when ``n`` is negative.
    """
    if n < 0:
        raise ValueError(f"n must be zero or more, not {n}")
    return _generate(n, seed, reference_date, long_tail=long_tail)


def _generate(
    n: int, seed: int, reference_date: datetime.date, *, long_tail: bool
) -> Iterator[SyntheticLearner]:
    builder = _RegisterBuilder(seed, reference_date, long_tail=long_tail)
    remaining = n
    while remaining > 0:
        household = builder.household()
        if len(household) > remaining:
            household = _cut(household, remaining)
        yield from household
        remaining -= len(household)


def _cut(household: list[SyntheticLearner], keep: int) -> list[SyntheticLearner]:
    """Return the first ``keep`` learners, without links to twins that were dropped."""
    kept = household[:keep]
    present = {learner.uln for learner in kept}
    return [
        learner if learner.twin_of is None or learner.twin_of in present else _without_twin(learner)
        for learner in kept
    ]


def _without_twin(learner: SyntheticLearner) -> SyntheticLearner:
    return SyntheticLearner(
        uln=learner.uln,
        given_name=learner.given_name,
        middle_other_name=learner.middle_other_name,
        family_name=learner.family_name,
        preferred_given_name=learner.preferred_given_name,
        previous_family_name=learner.previous_family_name,
        date_of_birth=learner.date_of_birth,
        gender=learner.gender,
        last_known_postcode=learner.last_known_postcode,
        place_of_birth=learner.place_of_birth,
        email_address=learner.email_address,
        household_id=learner.household_id,
        twin_of=None,
    )
