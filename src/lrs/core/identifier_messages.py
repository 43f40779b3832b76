"""The identifier rules' messages in the user's language.

`lrs.identifiers` is pure Python and speaks English; its messages are listed here so that they
are extracted into the translation catalogue, and `identifier_message` looks them up.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from lrs.identifiers import IdentifierError

# Every message lrs.identifiers raises with a fixed text (a test keeps this list complete).
IDENTIFIER_MESSAGES = (
    gettext_noop("ULN must be a string"),
    gettext_noop("ULN must be 10 digits"),
    gettext_noop("ULN 9999999999 is the temporary ULN, not a learner's number"),
    gettext_noop("ULN is not valid: no check digit exists for its first nine digits"),
    gettext_noop("ULN check digit is wrong"),
    gettext_noop("ULN check digit needs exactly 9 digits"),
    gettext_noop("UPN must be a string"),
    gettext_noop("UPN invalid (must be 13 characters)"),
    gettext_noop("UPN invalid (characters 5-12 not all numeric)"),
    gettext_noop("UPN invalid (character 13 not a recognised value)"),
    gettext_noop("UPN invalid (characters 2-4 not a recognised LA code)"),
    gettext_noop("UPN invalid (wrong check letter at character 1)"),
    gettext_noop("UPN check letter needs 11 digits then a digit or permitted letter"),
    gettext_noop("UCI must be a string"),
    gettext_noop("UCI must be 13 characters"),
    gettext_noop("UCI characters 1-12 must be digits"),
    gettext_noop("UCI candidate number (characters 9-12) must be 0001-9999"),
    gettext_noop("UCI check letter is wrong"),
    gettext_noop("UCI check letter needs exactly 12 digits"),
    gettext_noop("UKPRN must be a string"),
    gettext_noop("UKPRN must be 8 digits starting 1-9"),
    gettext_noop("Qualification number must be a string"),
    gettext_noop("Qualification number must look like NNN/NNNN/C or NNNNNNNC"),
    gettext_noop("Qualification number check character is wrong"),
    gettext_noop("Qualification number check needs exactly 7 digits"),
    gettext_noop("Postcode must be a string"),
    gettext_noop("A postcode is required"),
    gettext_noop("BFPO numbers have no outward code, district or sector"),
)
# Messages that quote the value given are replaced by one fixed message per rule.
_BY_CODE = {
    "postcode_format": gettext_noop("Enter a real UK postcode, like CV4 9EE"),
}


def identifier_message(error: IdentifierError) -> str:
    """The error's message, translated into the active language."""
    if error.code in _BY_CODE:
        return gettext(_BY_CODE[error.code])
    return gettext(error.message)
