"""A whole uploaded file, checked and read: what a file reader hands to submission.

The readers (`files.parse_batch_file`, `ctf.parse_ctf`) produce a `ParsedBatch` without
touching the database; `services.submit.submit_batch` stores it as a batch of pending rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# A row the file itself marks as not for the register; its value says why (CTF: "under_14").
SKIP_KEY = "_skip_reason"
MIN_ROWS = 1
MAX_ROWS = 5000


@dataclass(frozen=True)
class ParsedBatch:
    """A batch file that passed the file-level checks, ready to become rows."""

    file_name: str
    file_format: str
    submission_type: str
    rows: Sequence[Mapping[str, str]]  # by the real service's field names
    file_version: str = ""
    file_reference: str = ""
    contact_email: str = ""
    header: Mapping[str, Any] = field(default_factory=dict)  # JSON, as `Batch.header` keeps it
