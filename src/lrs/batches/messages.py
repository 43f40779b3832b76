"""A batch row's message: stored as what was wrong, shown in the reader's language.

A row stores no sentence of its own when its return code says it all (the code's meaning is
shown, translated, wherever the row is). When there is more to say, `BatchRow.message` holds
JSON (`encode_errors`, `encode_text`): each problem as the field it is about (the register's
own name, ``date_of_birth``) and the service's message in English, the catalogue's msgid,
written with the service's default language active. `row_details` shows it when the row is
read: each field under the name the user's file gives it (``DateOfBirth`` in an LRB file, ``DOB``
in a CTF), each message translated into the active language, a message with values in it
(``Must be 35 characters or fewer (you entered 40).``) matched against the catalogue's entries
with placeholders and translated with the same values. Rows stored before this (plain text)
are shown as stored.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, trans_real

from lrs.batches import return_codes as rc
from lrs.learners.columns import COLUMN_TO_FIELD

if TYPE_CHECKING:
    from lrs.batches.models import BatchRow

_ERRORS = "errors"
_TEXT = "text"

# The register's field names by the real service's batch column names (the first column wins).
_COLUMN_OF: dict[str, str] = {}
for _column, _field in COLUMN_TO_FIELD.items():
    _COLUMN_OF.setdefault(_field, _column)
_COLUMN_OF.update({"uln": "ULN", "upn": "UPN", "uci": "UCI"})

# A CTF's element names by batch column (`lrs.batches.ctf` reads them into those columns).
CTF_ELEMENT_OF = {
    "GivenName": "Forename",
    "FamilyName": "Surname",
    "MiddleOtherName": "MiddleNames",
    "PreferredGivenName": "PreferredForename",
    "PreviousFamilyName": "FormerSurname",
    "DateOfBirth": "DOB",
    "Gender": "Sex",
    "LastKnownPostCode": "Postcode",
    "ULN": "UniqueLearnerNumber",
    "UPN": "UPN",
}


def encode_errors(errors: Mapping[str, list[str]]) -> str:
    """What to store for field errors (field name to messages, in the default language)."""
    problems = [[name, str(message)] for name, messages in errors.items() for message in messages]
    return json.dumps({_ERRORS: problems}, ensure_ascii=False)


def encode_text(text: str) -> str:
    """What to store for a message about the row as a whole (in the default language)."""
    return json.dumps({_TEXT: str(text)}, ensure_ascii=False)


def _decoded(message: str) -> dict[str, Any] | None:
    if not message.startswith("{"):
        return None
    try:
        value = json.loads(message)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def column_name(field: str, submitted: Mapping[str, Any], *, ctf: bool = False) -> str:
    """The name the user's file gives a register field (``date_of_birth`` -> ``DateOfBirth``,
    or ``DOB`` in a CTF); the file's own column when it used an alternative name."""
    alternatives = [column for column, name in COLUMN_TO_FIELD.items() if name == field]
    column = next((c for c in alternatives if c in submitted), _COLUMN_OF.get(field, field))
    return CTF_ELEMENT_OF.get(column, column) if ctf else column


def error_fields(message: str) -> list[str]:
    """The register fields a stored message is about (none for plain text)."""
    stored = _decoded(message)
    if not stored or not isinstance(stored.get(_ERRORS), list):
        return []
    return [str(item[0]) for item in stored[_ERRORS] if isinstance(item, list) and item]


def row_details(
    message: str,
    submitted: Mapping[str, Any],
    *,
    ctf: bool = False,
    leave_out: frozenset[str] = frozenset(),
) -> str:
    """The stored message in the active language, fields under the file's names.

    `leave_out`: fields whose problem the caller already explains in its own words.
    """
    if not message:
        return ""
    stored = _decoded(message)
    if stored is None:
        return message  # stored before messages were stored as what was wrong
    if isinstance(stored.get(_TEXT), str):
        return translate_stored(stored[_TEXT])
    parts = []
    for item in stored.get(_ERRORS) or []:
        if not isinstance(item, list) or len(item) != 2:
            continue
        field, text = str(item[0]), str(item[1])
        if field in leave_out:
            continue
        parts.append(f"{column_name(field, submitted, ctf=ctf)}: {translate_stored(text)}")
    return " ".join(parts)


def details_of(row: BatchRow, *, ctf: bool = False, leave_out: frozenset[str] = frozenset()) -> str:
    """What a row's message adds to its return code's meaning, in the active language."""
    if rc.repeats_meaning(row.return_code, row.message):
        return ""  # a row stored with its code's meaning as its message
    return row_details(row.message, row.submitted, ctf=ctf, leave_out=leave_out)


def full_message(row: BatchRow, *, ctf: bool = False) -> str:
    """The return code's meaning and the row's details: an output file's message."""
    entry = rc.TABLE.get(row.return_code)
    meaning = str(entry.meaning) if entry else ""
    return " ".join(part for part in (meaning, details_of(row, ctf=ctf)) if part)


# --- Translating a stored English message --------------------------------------------------------


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@functools.cache
def _patterns(language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The catalogue's msgids with placeholders, as patterns that capture the values."""
    catalog = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    found = []
    for msgid in catalog.keys():  # noqa: SIM118 - a TranslationCatalog has no __iter__
        if not isinstance(msgid, str) or "%(" not in msgid:
            continue
        pattern, at = [], 0
        for placeholder in _PLACEHOLDER.finditer(msgid):
            pattern.append(re.escape(msgid[at : placeholder.start()]))
            kind = placeholder.group(0)[-1]
            name = placeholder.group(1)
            pattern.append(rf"(?P<{name}>-?\d+)" if kind == "d" else rf"(?P<{name}>.+?)")
            at = placeholder.end()
        pattern.append(re.escape(msgid[at:]))
        try:
            found.append((re.compile("".join(pattern)), msgid))
        except re.error:  # a placeholder used twice: not a message rows store
            continue
    # The most specific (longest) first, so a short entry cannot swallow a longer one.
    return tuple(sorted(found, key=lambda item: -len(item[1])))


def translate_stored(text: str) -> str:
    """A message stored in the default language, in the active one."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language == settings.LANGUAGE_CODE:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    for pattern, msgid in _patterns(language):
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values: dict[str, object] = {}
        for name, value in found.groupdict().items():
            values[name] = int(value) if re.fullmatch(r"-?\d+", value) else gettext(value)
        try:
            return gettext(msgid) % values
        except (KeyError, TypeError, ValueError):
            return text
    return text
