"""Every page and message exists in Welsh as well as English."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import formats, translation

from lrs.organisations.models import Organisation, User

PO = Path(settings.BASE_DIR) / "locale" / "cy" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr joined, fuzzy) for each entry of a .po file, header excluded."""
    entries = []
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        msgid: list[str] = []
        msgstrs: list[str] = []
        current: list[str] | None = None
        for line in lines:
            if line.startswith("msgid "):
                current = msgid
                current.append(line[6:])
            elif line.startswith("msgid_plural"):
                current = None
            elif line.startswith("msgstr"):
                current = msgstrs
                current.append(line.split(" ", 1)[1])
            elif line.startswith('"') and current is not None:
                current.append(line)
        ident = "".join(part.strip('"') for part in msgid)
        if ident:
            entries.append((ident, "".join(part.strip('"') for part in msgstrs), fuzzy))
    return entries


def test_every_message_has_a_welsh_translation() -> None:
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 300
    missing = [msgid for msgid, msgstr, _fuzzy in entries if not msgstr]
    fuzzy = [msgid for msgid, _msgstr, is_fuzzy in entries if is_fuzzy]
    assert not missing, f"untranslated: {missing[:10]}"
    assert not fuzzy, f"fuzzy (needs checking): {fuzzy[:10]}"


def test_translations_keep_their_placeholders() -> None:
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}|%[sd]")
    for msgid, msgstr, _fuzzy in _entries(PO.read_text(encoding="utf-8")):
        if "%(" in msgid or "{{" in msgid:
            assert set(placeholder.findall(msgid)) == set(placeholder.findall(msgstr)), msgid


def test_dates_are_written_the_british_and_the_welsh_way() -> None:
    day = datetime.date(2026, 11, 23)
    with translation.override("en"):
        assert formats.date_format(day) == "23 November 2026"
    with translation.override("cy"):
        assert formats.date_format(day) == "23 Tachwedd 2026"


@pytest.mark.parametrize(
    ("path", "welsh"),
    [
        ("/sign-in/", "Mewngofnodi"),
        ("/forgotten-password/", "Enw defnyddiwr"),
        ("/terms/", "Cytundeb"),
        ("/accessibility/", "Datganiad hygyrchedd"),
    ],
)
def test_public_pages_in_welsh(client: Client, db: None, path: str, welsh: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    page = client.get(path).content.decode()
    assert '<html lang="cy"' in page
    assert welsh in page


def test_signed_in_pages_in_welsh(
    signed_in: Callable[[User], Client], college: Organisation, make_user: Callable[..., User]
) -> None:
    client = signed_in(make_user(college, ["online", "super"]))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    for path in ("/home/", "/learners/find/", "/learners/register/", "/users/", "/account/"):
        page = client.get(path).content.decode()
        assert '<html lang="cy"' in page, path
        assert "Allgofnodi" in page, path  # sign out, in the header
