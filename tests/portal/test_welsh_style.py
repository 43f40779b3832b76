"""The Welsh catalogue follows docs/welsh.md: mutations after "neu", the agreed terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, pgettext

PO = Path(settings.BASE_DIR) / "locale" / "cy" / "LC_MESSAGES" / "django.po"

# Unmutated first letters: after "neu" a word starting so is missing its soft mutation (c->g,
# p->b, t->d, ll->l, m->f, rh->r). "b", "d" and "g" can be mutated forms, so the verbs that
# begin with them unmutated are listed.
UNMUTATED = re.compile(r"\bneu (?:c|p|t|ll|m|rh)[a-zâêîôûŵŷ]", re.IGNORECASE)
UNMUTATED_VERBS = re.compile(r"\bneu (?:dewis|defnyddi|dewch|gadewch|gadael|dod|bod)\w*")
ALLOWED = {"neu pan"}  # a conjunction, left as it is


def _welsh_strings() -> list[str]:
    text = PO.read_text(encoding="utf-8")
    return [
        "".join(re.findall(r'"(.*)"', block))
        for block in re.findall(r"msgstr((?: .*\n|\".*\"\n)+)", text + "\n")
    ]


def test_the_catalogue_can_be_read() -> None:
    assert len(_welsh_strings()) > 300


def test_words_after_neu_are_mutated() -> None:
    found = []
    for text in _welsh_strings():
        for pattern in (UNMUTATED, UNMUTATED_VERBS):
            for match in pattern.finditer(text):
                phrase = text[match.start() : text.find(" ", match.end()) % (len(text) + 1)]
                word = phrase.split(" ")[1]
                if any(phrase.startswith(allowed) for allowed in ALLOWED) or word.isupper():
                    continue
                found.append(phrase)
    assert not found, found


@pytest.mark.parametrize(
    ("english", "welsh"),
    [
        ("Closed", "Wedi'i gau"),
        ("Any", "Unrhyw statws"),
        ("You can't use this page", "Ni allwch ddefnyddio'r dudalen hon"),
        ("LA and establishment", "Rhif yr ALl a rhif y sefydliad"),
        ("Scottish candidate number", "Rhif ymgeisydd yr Alban"),
        ("The 10-digit Unique Learner Number", "Y Rhif Dysgwr Unigryw (ULN) 10 digid"),
    ],
)
def test_the_agreed_terms(english: str, welsh: str) -> None:
    with translation.override("cy"):
        assert gettext(english) == welsh


def test_not_found_as_a_count_of_learners_is_plural() -> None:
    with translation.override("cy"):
        assert pgettext("learners counted", "Not found") == "Heb ddod o hyd iddynt"
        assert gettext("Not found") == "Heb ddod o hyd iddo"  # one achievement


def test_the_style_note_exists() -> None:
    note = Path(settings.BASE_DIR).parents[1] / "docs" / "welsh.md"
    text = note.read_text(encoding="utf-8")
    for term in ("chi", "neu gofrestrwch", "Rhif Dysgwr Unigryw (ULN)", "sefydliad"):
        assert term in text
