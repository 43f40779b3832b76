"""Search queries with known truth: registered learners re-keyed as enrolment data arrives.

:func:`generate_queries` takes a register from :func:`lrs.synthetic.people.generate_register`
and returns queries of two kinds:

* re-keyed learners (``true_uln`` set): about a quarter exact copies, most others with one change
  and some with two (:attr:`Variation.COMBINED`); a change is drawn first and then a learner it
  can apply to, so rare forms such as ``O'Brien`` or ``Siân`` still get their share;
* people who are not on the register (``true_uln`` None): mostly new learners with fresh names
  and birthdays, plus deliberately hard ones next to a registered learner: an unregistered
  twin, a younger or older sibling, or a namesake born the same day elsewhere.
"""

import datetime
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeVar

from lrs.identifiers import DEFAULT_POSTCODE
from lrs.synthetic import _data
from lrs.synthetic._text import KEYBOARD_NEIGHBOURS, fold_accents, is_acceptable_name
from lrs.synthetic.people import (
    AREAS,
    DEFAULT_REFERENCE_DATE,
    FEMALE,
    GENDER_NOT_KNOWN,
    GENDER_NOT_SPECIFIED,
    MALE,
    MAX_YOUNG_AGE,
    MIN_AGE,
    PersonMaker,
    SyntheticLearner,
)

__all__ = ["NEW_PERSON_VARIATIONS", "Query", "Variation", "generate_queries"]

T = TypeVar("T")


class Variation(StrEnum):
    """How a query differs from the registered learner it stands for (or that it is new)."""

    EXACT_COPY = "EXACT_COPY"
    TYPO_GIVEN = "TYPO_GIVEN"
    TYPO_FAMILY = "TYPO_FAMILY"
    NICKNAME = "NICKNAME"
    SWAPPED_NAMES = "SWAPPED_NAMES"
    MIDDLE_AS_GIVEN = "MIDDLE_AS_GIVEN"
    NAME_CHANGE_WITH_PREVIOUS = "NAME_CHANGE_WITH_PREVIOUS"
    NAME_CHANGE_NO_PREVIOUS = "NAME_CHANGE_NO_PREVIOUS"
    MOVED_POSTCODE = "MOVED_POSTCODE"
    DEFAULT_POSTCODE = "DEFAULT_POSTCODE"
    SWAPPED_DAY_MONTH = "SWAPPED_DAY_MONTH"
    FIRST_OF_MONTH = "FIRST_OF_MONTH"
    UPPER_CASE = "UPPER_CASE"
    MISSING_MIDDLE = "MISSING_MIDDLE"
    UNKNOWN_GENDER = "UNKNOWN_GENDER"
    ACCENTS_DROPPED = "ACCENTS_DROPPED"
    APOSTROPHE_SPACE = "APOSTROPHE_SPACE"
    MC_MAC = "MC_MAC"
    HYPHEN_PART = "HYPHEN_PART"
    COMBINED = "COMBINED"
    NEW_LEARNER = "NEW_LEARNER"
    NEW_TWIN = "NEW_TWIN"
    NEW_SIBLING = "NEW_SIBLING"
    NEW_NAMESAKE = "NEW_NAMESAKE"


NEW_PERSON_VARIATIONS: Final = frozenset(
    {Variation.NEW_LEARNER, Variation.NEW_TWIN, Variation.NEW_SIBLING, Variation.NEW_NAMESAKE}
)
"""Variations of queries for people who are not on the register."""


@dataclass(frozen=True, slots=True)
class Query:
    """One search as a provider would send it, with what was changed and the right answer.

    ``variations`` is ``(EXACT_COPY,)``, one change, ``(COMBINED, first, second)`` for two
    changes, or one ``NEW_*`` value; ``true_uln`` is None for people who are not registered.
    """

    query_id: int
    given_name: str
    middle_other_name: str
    family_name: str
    preferred_given_name: str
    previous_family_name: str
    date_of_birth: datetime.date
    gender: str
    last_known_postcode: str
    email_address: str
    variations: tuple[Variation, ...]
    true_uln: str | None


# -- Mix ----------------------------------------------------------------------------------------

# How many changes a re-keyed learner gets: none (an exact copy), one, or two.
_CHANGE_COUNT_WEIGHTS: Final = ((0, 0.25), (1, 0.55), (2, 0.20))

# Relative frequency of each change, roughly as seen when providers key in enrolment forms.
_CHANGE_WEIGHTS: Final[dict[Variation, float]] = {
    Variation.TYPO_GIVEN: 7,
    Variation.TYPO_FAMILY: 7,
    Variation.NICKNAME: 6,
    Variation.SWAPPED_NAMES: 3,
    Variation.MIDDLE_AS_GIVEN: 3,
    Variation.NAME_CHANGE_WITH_PREVIOUS: 3,
    Variation.NAME_CHANGE_NO_PREVIOUS: 3,
    Variation.MOVED_POSTCODE: 12,
    Variation.DEFAULT_POSTCODE: 4,
    Variation.SWAPPED_DAY_MONTH: 4,
    Variation.FIRST_OF_MONTH: 2,
    Variation.UPPER_CASE: 8,
    Variation.MISSING_MIDDLE: 10,
    Variation.UNKNOWN_GENDER: 3,
    Variation.ACCENTS_DROPPED: 3,
    Variation.APOSTROPHE_SPACE: 3,
    Variation.MC_MAC: 3,
    Variation.HYPHEN_PART: 3,
}

# Two changes to the same part of the record would hide each other, so they are not combined.
_TOUCHES: Final[dict[Variation, frozenset[str]]] = {
    Variation.TYPO_GIVEN: frozenset({"given"}),
    Variation.NICKNAME: frozenset({"given"}),
    Variation.MIDDLE_AS_GIVEN: frozenset({"given", "middle"}),
    Variation.SWAPPED_NAMES: frozenset({"given", "family"}),
    Variation.TYPO_FAMILY: frozenset({"family"}),
    Variation.NAME_CHANGE_WITH_PREVIOUS: frozenset({"family"}),
    Variation.NAME_CHANGE_NO_PREVIOUS: frozenset({"family"}),
    Variation.APOSTROPHE_SPACE: frozenset({"family"}),
    Variation.MC_MAC: frozenset({"family"}),
    Variation.HYPHEN_PART: frozenset({"family"}),
    Variation.MISSING_MIDDLE: frozenset({"middle"}),
    Variation.MOVED_POSTCODE: frozenset({"postcode"}),
    Variation.DEFAULT_POSTCODE: frozenset({"postcode"}),
    Variation.SWAPPED_DAY_MONTH: frozenset({"dob"}),
    Variation.FIRST_OF_MONTH: frozenset({"dob"}),
    Variation.UPPER_CASE: frozenset({"case"}),
    Variation.UNKNOWN_GENDER: frozenset({"gender"}),
    Variation.ACCENTS_DROPPED: frozenset({"accents"}),
}

# Order of application: whole-name replacements first, then spelling, then letter case.
_APPLY_ORDER: Final = (
    Variation.NICKNAME,
    Variation.MIDDLE_AS_GIVEN,
    Variation.NAME_CHANGE_WITH_PREVIOUS,
    Variation.NAME_CHANGE_NO_PREVIOUS,
    Variation.HYPHEN_PART,
    Variation.MC_MAC,
    Variation.APOSTROPHE_SPACE,
    Variation.ACCENTS_DROPPED,
    Variation.TYPO_GIVEN,
    Variation.TYPO_FAMILY,
    Variation.SWAPPED_NAMES,
    Variation.MISSING_MIDDLE,
    Variation.UPPER_CASE,
    Variation.MOVED_POSTCODE,
    Variation.DEFAULT_POSTCODE,
    Variation.SWAPPED_DAY_MONTH,
    Variation.FIRST_OF_MONTH,
    Variation.UNKNOWN_GENDER,
)

_NEW_PERSON_WEIGHTS: Final = (
    (Variation.NEW_LEARNER, 0.70),
    (Variation.NEW_TWIN, 0.10),
    (Variation.NEW_SIBLING, 0.10),
    (Variation.NEW_NAMESAKE, 0.10),
)

_TYPO_KINDS: Final = (("substitute", 0.35), ("delete", 0.25), ("transpose", 0.2), ("insert", 0.2))

_DECLARED_ORDER: Final = {variation: index for index, variation in enumerate(Variation)}

_NAME_FIELDS: Final = (
    "given_name",
    "middle_other_name",
    "family_name",
    "preferred_given_name",
    "previous_family_name",
)

_MC: Final = re.compile(r"Mc(?=[A-Za-z])")
_MAC: Final = re.compile(r"Mac(?=[A-Za-z])")

# Every family name known to the generator, so Mackenzie becomes McKenzie only because
# McKenzie is itself a real spelling, and Mace or Machin are never touched.


def _family_pools() -> dict[str, str]:
    """Return each known family name with the first pool that lists it."""
    pools: dict[str, str] = {}
    for pool, names in _data.FAMILY.items():
        for name in names:
            pools.setdefault(name, pool)
    return pools


_FAMILY_POOL_OF: Final = _family_pools()
_KNOWN_FAMILY_FOLDED: Final = frozenset(name.casefold() for name in _FAMILY_POOL_OF)
_NATION_OF: Final = {area.outward: area.nation for group in AREAS.values() for area in group}


# -- Changes ------------------------------------------------------------------------------------


def _weighted(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    """Return one item of ``(item, weight)`` pairs, chosen in proportion to its weight."""
    roll = rng.random() * sum(weight for _, weight in pairs)
    for item, weight in pairs:
        roll -= weight
        if roll < 0:
            return item
    return pairs[-1][0]


def make_typo(name: str, rng: random.Random) -> str | None:
    """Return ``name`` with one typing slip, or None when it is too short to slip on.

    The slip is one of: a neighbouring key instead of a letter, a letter left out, two
    neighbouring letters swapped, or an extra letter (a doubled or neighbouring key). Letter
    case stays where it was, so ``Megan`` may become ``Megna`` but never ``MEgan``.
    """
    positions = [index for index, char in enumerate(name) if char.isascii() and char.isalpha()]
    if len(name) < 3 or not positions:
        return None
    for _ in range(30):
        index = rng.choice(positions)
        # Slips on the first letter are rare: people look at the start of a name as they type.
        if index == 0 and rng.random() < 0.85:
            continue
        char = name[index]
        lower = char.lower()
        kind = _weighted(rng, _TYPO_KINDS)
        if kind == "substitute":
            new = rng.choice(KEYBOARD_NEIGHBOURS[lower])
            candidate = name[:index] + (new.upper() if char.isupper() else new) + name[index + 1 :]
        elif kind == "delete":
            rest = name[index + 1 :]
            if char.isupper() and rest[:1].isalpha():
                rest = rest[0].upper() + rest[1:]
            candidate = name[:index] + rest
        elif kind == "transpose":
            following = name[index + 1 : index + 2]
            if not (following.isascii() and following.isalpha()) or following.lower() == lower:
                continue
            first = following.upper() if char.isupper() else following.lower()
            second = lower.upper() if following.isupper() else lower
            candidate = name[:index] + first + second + name[index + 2 :]
        else:
            extra = rng.choice(KEYBOARD_NEIGHBOURS[lower] + lower)
            candidate = name[: index + 1] + extra + name[index + 1 :]
        if candidate.casefold() != name.casefold() and is_acceptable_name(candidate):
            return candidate
    return None


def swap_mc_mac(name: str) -> str | None:
    """Return the other spelling of a Mc/Mac family name (``McDonald`` <-> ``MacDonald``).

    ``Mackenzie`` becomes ``McKenzie`` only because that is also a known family name; names
    that merely begin with "Mac" (``Mace``) give None, as do names without the prefix.
    """
    if _MC.match(name):
        return "Mac" + name[2:]
    if _MAC.match(name):
        rest = name[3:]
        if rest[0].isupper():
            return "Mc" + rest
        candidate = "Mc" + rest[0].upper() + rest[1:]
        if candidate.casefold() in _KNOWN_FAMILY_FOLDED:
            return candidate
    return None


def _context_of(learner: SyntheticLearner) -> str:
    """Return the naming context a learner's household was most likely drawn from."""
    nation = _NATION_OF.get(learner.last_known_postcode.split(" ")[0], "england")
    pool = _FAMILY_POOL_OF.get(learner.family_name, "british")
    if pool in ("british", "irish_scottish", "welsh"):
        return f"general_{nation}"
    return pool


class _QueryMaker:
    """Builds the queries; holds the random stream and the register's name-and-birthday keys."""

    def __init__(
        self,
        register: Sequence[SyntheticLearner],
        seed: int,
        reference_date: datetime.date,
        *,
        long_tail: bool = False,
    ) -> None:
        self.register = register
        self.rng = random.Random(f"lrs.synthetic.queries:{seed}")  # noqa: S311 - synthetic data
        self.maker = PersonMaker(self.rng, reference_date, long_tail=long_tail)
        self._registered_keys: set[int] | None = None
        self._changes: dict[Variation, Callable[[dict[str, object], SyntheticLearner], bool]] = {
            Variation.TYPO_GIVEN: self._typo_given,
            Variation.TYPO_FAMILY: self._typo_family,
            Variation.NICKNAME: self._nickname,
            Variation.SWAPPED_NAMES: self._swapped_names,
            Variation.MIDDLE_AS_GIVEN: self._middle_as_given,
            Variation.NAME_CHANGE_WITH_PREVIOUS: self._name_change_with_previous,
            Variation.NAME_CHANGE_NO_PREVIOUS: self._name_change_no_previous,
            Variation.MOVED_POSTCODE: self._moved_postcode,
            Variation.DEFAULT_POSTCODE: self._default_postcode,
            Variation.SWAPPED_DAY_MONTH: self._swapped_day_month,
            Variation.FIRST_OF_MONTH: self._first_of_month,
            Variation.UPPER_CASE: self._upper_case,
            Variation.MISSING_MIDDLE: self._missing_middle,
            Variation.UNKNOWN_GENDER: self._unknown_gender,
            Variation.ACCENTS_DROPPED: self._accents_dropped,
            Variation.APOSTROPHE_SPACE: self._apostrophe_space,
            Variation.MC_MAC: self._mc_mac,
            Variation.HYPHEN_PART: self._hyphen_part,
        }

    # Register look-ups

    @staticmethod
    def _key(given_name: str, family_name: str, date_of_birth: datetime.date) -> int:
        # Hashes rather than tuples keep a million keys in tens of megabytes; a collision
        # would at worst make one fresh name be redrawn.
        return hash((given_name.casefold(), family_name.casefold(), date_of_birth.toordinal()))

    def is_registered(self, given_name: str, family_name: str, dob: datetime.date) -> bool:
        """Return True when someone on the register has this given name, family name and DOB."""
        if self._registered_keys is None:
            key = self._key
            self._registered_keys = {
                key(person.given_name, person.family_name, person.date_of_birth)
                for person in self.register
            }
        return self._key(given_name, family_name, dob) in self._registered_keys

    def random_learner(self) -> SyntheticLearner:
        """Return a learner from the register, uniformly."""
        return self.register[int(self.rng.random() * len(self.register))]

    # Re-keyed learners

    def rekeyed(self, query_id: int) -> Query:
        """Return a query for a registered learner with zero, one or two changes."""
        rng = self.rng
        count = _weighted(rng, _CHANGE_COUNT_WEIGHTS)
        if count == 0:
            learner = self.random_learner()
            return _query(query_id, _fields(learner), (Variation.EXACT_COPY,), learner.uln)
        for _ in range(50):
            changes = self._draw_changes(count)
            for _ in range(400):
                learner = self.random_learner()
                draft = _fields(learner)
                if all(self._changes[change](draft, learner) for change in changes):
                    labels = tuple(sorted(changes, key=_DECLARED_ORDER.__getitem__))
                    if len(labels) > 1:
                        labels = (Variation.COMBINED, *labels)
                    return _query(query_id, draft, labels, learner.uln)
        # Only a tiny register can lack every learner a change needs: fall back to a copy.
        learner = self.random_learner()
        return _query(query_id, _fields(learner), (Variation.EXACT_COPY,), learner.uln)

    def _draw_changes(self, count: int) -> list[Variation]:
        chosen: list[Variation] = []
        touched: set[str] = set()
        while len(chosen) < count:
            options = [
                (change, weight)
                for change, weight in _CHANGE_WEIGHTS.items()
                if not _TOUCHES[change] & touched
            ]
            change = _weighted(self.rng, options)
            chosen.append(change)
            touched |= _TOUCHES[change]
        return sorted(chosen, key=_APPLY_ORDER.index)

    def _typo_given(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        typo = make_typo(str(draft["given_name"]), self.rng)
        draft["given_name"] = typo
        return typo is not None

    def _typo_family(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        typo = make_typo(str(draft["family_name"]), self.rng)
        draft["family_name"] = typo
        return typo is not None

    def _nickname(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        nicknames = _data.NICKNAMES.get(str(draft["given_name"]))
        if not nicknames:
            return False
        if learner.preferred_given_name in nicknames and self.rng.random() < 0.7:
            draft["given_name"] = learner.preferred_given_name
        else:
            draft["given_name"] = self.rng.choice(nicknames)
        return True

    def _swapped_names(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        given, family = draft["given_name"], draft["family_name"]
        draft["given_name"], draft["family_name"] = family, given
        return str(given).casefold() != str(family).casefold()

    def _middle_as_given(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        middle = str(draft["middle_other_name"])
        if not middle:
            return False
        first, *rest = middle.split(" ")
        given = str(draft["given_name"])
        if first.casefold() == given.casefold():
            return False
        draft["given_name"] = first
        # Some systems keep the registered first name as a middle name, others drop it.
        draft["middle_other_name"] = " ".join([given, *rest] if self.rng.random() < 0.5 else rest)
        return True

    def _new_family_name(self, draft: dict[str, object], learner: SyntheticLearner) -> str:
        nation = _NATION_OF.get(learner.last_known_postcode.split(" ")[0], "england")
        return self.maker.family_name(f"general_{nation}", avoid=str(draft["family_name"]))

    def _name_change_with_previous(
        self, draft: dict[str, object], learner: SyntheticLearner
    ) -> bool:
        old = draft["family_name"]
        draft["family_name"] = self._new_family_name(draft, learner)
        draft["previous_family_name"] = old
        return True

    def _name_change_no_previous(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        draft["family_name"] = self._new_family_name(draft, learner)
        return True

    def _moved_postcode(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        current = str(draft["last_known_postcode"])
        outward = current.split(" ")[0]
        maker = self.maker
        for _ in range(20):
            if current != DEFAULT_POSTCODE and self.rng.random() < 0.6:
                candidate = maker.postcode(outward)
            else:
                candidate = maker.postcode(maker.area(avoid_outward=outward).outward)
            if candidate != current:
                draft["last_known_postcode"] = candidate
                return True
        return False

    def _default_postcode(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        if draft["last_known_postcode"] == DEFAULT_POSTCODE:
            return False
        draft["last_known_postcode"] = DEFAULT_POSTCODE
        return True

    def _swapped_day_month(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        dob = draft["date_of_birth"]
        assert isinstance(dob, datetime.date)
        if dob.day > 12 or dob.day == dob.month:
            return False
        draft["date_of_birth"] = datetime.date(dob.year, dob.day, dob.month)
        return True

    def _first_of_month(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        dob = draft["date_of_birth"]
        assert isinstance(dob, datetime.date)
        if dob.day == 1:
            return False
        draft["date_of_birth"] = dob.replace(day=1)
        return True

    def _upper_case(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        before = [str(draft[field]) for field in _NAME_FIELDS]
        for field, value in zip(_NAME_FIELDS, before, strict=True):
            draft[field] = value.upper()
        return any(value != value.upper() for value in before)

    def _missing_middle(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        if not draft["middle_other_name"]:
            return False
        draft["middle_other_name"] = ""
        return True

    def _unknown_gender(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        if draft["gender"] not in (MALE, FEMALE):
            return False
        draft["gender"] = GENDER_NOT_KNOWN if self.rng.random() < 0.7 else GENDER_NOT_SPECIFIED
        return True

    def _accents_dropped(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        changed = False
        for field in _NAME_FIELDS:
            value = str(draft[field])
            folded = fold_accents(value)
            changed = changed or folded != value
            draft[field] = folded
        return changed

    def _apostrophe_space(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        family = str(draft["family_name"])
        if "'" not in family:
            return False
        draft["family_name"] = family.replace("'", " " if self.rng.random() < 0.5 else "")
        return True

    def _mc_mac(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        other = swap_mc_mac(str(draft["family_name"]))
        if other is None:
            return False
        draft["family_name"] = other
        return True

    def _hyphen_part(self, draft: dict[str, object], learner: SyntheticLearner) -> bool:
        family = str(draft["family_name"])
        if "-" not in family:
            return False
        draft["family_name"] = self.rng.choice(family.split("-"))
        return True

    # People who are not registered

    def new_person(self, query_id: int) -> Query:
        """Return a query for someone not on the register, often close to someone who is."""
        kind = _weighted(self.rng, _NEW_PERSON_WEIGHTS) if self.register else Variation.NEW_LEARNER
        for attempt in range(200):
            if attempt == 100:
                # A register too small to have a suitable relative: make a stranger instead.
                kind = Variation.NEW_LEARNER
            if kind == Variation.NEW_TWIN:
                fields = self._twin_fields()
            elif kind == Variation.NEW_SIBLING:
                fields = self._sibling_fields()
            elif kind == Variation.NEW_NAMESAKE:
                fields = self._namesake_fields()
            else:
                fields = self._new_learner_fields()
            if fields is not None:
                return _query(query_id, fields, (kind,), None)
        raise RuntimeError("could not make a person who is not on the register")

    def _person(
        self, gender: str, context: str, family: str, avoid: Sequence[str] = (), initial: str = ""
    ) -> dict[str, object]:
        maker = self.maker
        given = maker.given_name(gender, context, avoid=avoid, initial=initial)
        middle = maker.middle_names(gender, context, given)
        return {
            "given_name": given,
            "middle_other_name": middle,
            "family_name": family,
            "preferred_given_name": maker.preferred_given_name(given, middle),
            "previous_family_name": "",
            "gender": gender,
        }

    def _new_learner_fields(self) -> dict[str, object] | None:
        maker = self.maker
        area = maker.area()
        context = maker.naming_context(maker.heritage(area.nation), area.nation)
        gender = maker.gender()
        fields = self._person(gender, context, maker.household_family_name(context))
        age = maker.young_age() if self.rng.random() < 0.93 else maker.adult_age()
        dob = maker.date_of_birth(age)
        if self.is_registered(str(fields["given_name"]), str(fields["family_name"]), dob):
            return None
        fields["date_of_birth"] = dob
        fields["last_known_postcode"] = maker.household_postcode(area.outward)
        fields["email_address"] = maker.email(
            str(fields["given_name"]), str(fields["family_name"]), dob
        )
        return fields

    def _relative(
        self, learner: SyntheticLearner, dob: datetime.date, *, twin: bool
    ) -> dict[str, object] | None:
        rng, maker = self.rng, self.maker
        if twin and learner.gender in (MALE, FEMALE) and rng.random() < 1 / 3:
            gender = learner.gender
        else:
            gender = maker.gender()
        initial = learner.given_name[0] if twin and rng.random() < 0.2 else ""
        fields = self._person(
            gender, _context_of(learner), learner.family_name, [learner.given_name], initial
        )
        if self.is_registered(str(fields["given_name"]), learner.family_name, dob):
            return None
        fields["previous_family_name"] = learner.previous_family_name
        fields["date_of_birth"] = dob
        fields["last_known_postcode"] = learner.last_known_postcode
        fields["email_address"] = maker.email(str(fields["given_name"]), learner.family_name, dob)
        return fields

    def _twin_fields(self) -> dict[str, object] | None:
        learner = self.random_learner()
        if learner.twin_of is not None:
            return None
        return self._relative(learner, learner.date_of_birth, twin=True)

    def _sibling_fields(self) -> dict[str, object] | None:
        learner = self.random_learner()
        gap = datetime.timedelta(days=int(self.rng.triangular(320, 2600, 800)))
        dob = learner.date_of_birth + (gap if self.rng.random() < 0.5 else -gap)
        if not self.maker.in_age_range(dob, MIN_AGE, MAX_YOUNG_AGE):
            return None
        return self._relative(learner, dob, twin=False)

    def _namesake_fields(self) -> dict[str, object] | None:
        learner = self.random_learner()
        maker = self.maker
        outward = learner.last_known_postcode.split(" ")[0]
        area = maker.area(avoid_outward=outward)
        context = _context_of(learner)
        middle = maker.middle_names(learner.gender, context, learner.given_name)
        return {
            "given_name": learner.given_name,
            "middle_other_name": middle,
            "family_name": learner.family_name,
            "preferred_given_name": maker.preferred_given_name(learner.given_name, middle),
            "previous_family_name": "",
            "date_of_birth": learner.date_of_birth,
            "gender": learner.gender,
            "last_known_postcode": maker.postcode(area.outward),
            "email_address": maker.email(
                learner.given_name, learner.family_name, learner.date_of_birth
            ),
        }


def _fields(learner: SyntheticLearner) -> dict[str, object]:
    return {
        "given_name": learner.given_name,
        "middle_other_name": learner.middle_other_name,
        "family_name": learner.family_name,
        "preferred_given_name": learner.preferred_given_name,
        "previous_family_name": learner.previous_family_name,
        "date_of_birth": learner.date_of_birth,
        "gender": learner.gender,
        "last_known_postcode": learner.last_known_postcode,
        "email_address": learner.email_address,
    }


def _query(
    query_id: int, fields: dict[str, object], variations: tuple[Variation, ...], uln: str | None
) -> Query:
    dob = fields["date_of_birth"]
    assert isinstance(dob, datetime.date)
    return Query(
        query_id=query_id,
        given_name=str(fields["given_name"]),
        middle_other_name=str(fields["middle_other_name"]),
        family_name=str(fields["family_name"]),
        preferred_given_name=str(fields["preferred_given_name"]),
        previous_family_name=str(fields["previous_family_name"]),
        date_of_birth=dob,
        gender=str(fields["gender"]),
        last_known_postcode=str(fields["last_known_postcode"]),
        email_address=str(fields.get("email_address", "")),
        variations=variations,
        true_uln=uln,
    )


def generate_queries(
    register: Sequence[SyntheticLearner],
    n: int,
    *,
    seed: int = 1,
    new_share: float = 0.2,
    reference_date: datetime.date = DEFAULT_REFERENCE_DATE,
    long_tail: bool = False,
) -> list[Query]:
    """Return ``n`` queries against ``register``, the same ones for the same register and seed.

    About ``new_share`` of them are people who are not registered (``true_uln`` None), the
    rest re-keyed registered learners. Queries are shuffled and numbered from 1. Ages of new
    people are counted at ``reference_date``, as in :func:`generate_register`. Raises ValueError
    for a negative ``n``, a share outside 0-1, or an empty register when re-keyed learners
    are wanted. ``long_tail``: new people's names come from the long-tail name tables, as
    ``generate_register(long_tail=True)`` draws them (pass it for such a register).
    """
    if n < 0:
        raise ValueError(f"n must be zero or more, not {n}")
    if not 0.0 <= new_share <= 1.0:
        raise ValueError(f"new_share must be between 0 and 1, not {new_share}")
    new_count = round(n * new_share)
    if n - new_count and not register:
        raise ValueError("an empty register has no learners to re-key")
    maker = _QueryMaker(register, seed, reference_date, long_tail=long_tail)
    kinds = [True] * new_count + [False] * (n - new_count)
    maker.rng.shuffle(kinds)
    return [
        maker.new_person(query_id) if is_new else maker.rekeyed(query_id)
        for query_id, is_new in enumerate(kinds, start=1)
    ]
