"""Validation and generation of the identifiers an LRS handles: ULN, UPN, UCI, UKPRN, QN, postcode.

Pure Python with no Django import, so it can be used from scripts, batch tools and models alike.
Each ``validate_*`` function returns the cleaned canonical value or raises
:class:`IdentifierError` (a ``ValueError``) with a stable ``code`` and a human ``message``; each
``is_valid_*`` function answers the same question as a bool.
"""

from lrs.identifiers.errors import IdentifierError
from lrs.identifiers.postcode import (
    DEFAULT_POSTCODE,
    is_default_postcode,
    is_valid_postcode,
    normalise_postcode,
    outward_code,
    postcode_district,
    postcode_sector,
    validate_postcode,
)
from lrs.identifiers.qn import is_valid_qn, qn_check_character, validate_qn
from lrs.identifiers.uci import is_valid_uci, uci_check_letter, validate_uci
from lrs.identifiers.ukprn import is_valid_ukprn, validate_ukprn
from lrs.identifiers.uln import (
    TEMPORARY_ULN,
    generate_uln,
    is_issuable_uln,
    is_valid_uln,
    uln_check_digit,
    validate_uln,
)
from lrs.identifiers.upn import is_temporary_upn, is_valid_upn, upn_check_letter, validate_upn

__all__ = [
    "DEFAULT_POSTCODE",
    "TEMPORARY_ULN",
    "IdentifierError",
    "generate_uln",
    "is_default_postcode",
    "is_issuable_uln",
    "is_temporary_upn",
    "is_valid_postcode",
    "is_valid_qn",
    "is_valid_uci",
    "is_valid_ukprn",
    "is_valid_uln",
    "is_valid_upn",
    "normalise_postcode",
    "outward_code",
    "postcode_district",
    "postcode_sector",
    "qn_check_character",
    "uci_check_letter",
    "uln_check_digit",
    "upn_check_letter",
    "validate_postcode",
    "validate_qn",
    "validate_uci",
    "validate_ukprn",
    "validate_uln",
    "validate_upn",
]
