"""Uploaded files: the size limit, the kinds of file and how each is read.

`services.submit.submit_upload` is the one way an uploaded file becomes a batch, for the
portal, the API and `lrs batch submit` alike. It takes the file's kind by name or recognises it
here (`recognise_upload`), checks the size against `MAX_UPLOAD_BYTES`, and has the kind read
the file into a `ParsedBatch`. Reading touches no database; a file that cannot be used is
refused as a whole with a message that says what is wrong (`BadBatchFile`, `BadCtfFile`).

Each kind is registered once (`register_upload_kind`) with its reader, the permission its
uploads need and, if it can be told from its content, how to recognise it. Two are built in:
"batch" (LRB files, CSV or XML; the default) and "ctf" (a school's Common Transfer File).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _

from lrs.batches.ctf import BadCtfFile, parse_ctf
from lrs.batches.files import parse_batch_file
from lrs.batches.models import Batch, BatchRow, SubmissionType
from lrs.batches.parsed import ParsedBatch
from lrs.core.errors import ValidationFailed
from lrs.core.roles import Permission

# The largest file anyone may upload, whatever its kind (the portal's hint says so too).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
KIND_BATCH = "batch"
KIND_CTF = "ctf"
# Only when the XML cannot be parsed: a CTF whose start looks like one, so that the CTF reader
# explains what is wrong with it rather than the batch file reader.
_CTF_ROOT_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?CTfile[\s>/]")
_HEAD_BYTES = 4096


class UploadTooLarge(ValidationFailed):
    """The file is over `MAX_UPLOAD_BYTES`: refused before it is read."""

    code = "request_too_large"


class UploadedContent(Protocol):
    """An uploaded file as Django hands it over (or any binary file object)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


class Reader(Protocol):
    """Reads a whole file of one kind, or refuses it (a ValidationFailed saying why)."""

    def __call__(
        self, *, file_name: str, content: bytes, uploader_ukprn: str, submission_type: str | None
    ) -> ParsedBatch: ...


class RowProcessor(Protocol):
    """Processes a chunk of a batch's pending rows inside the chunk's transaction: records
    what they say and writes each row's outcome (state done, return code, message)."""

    def __call__(self, batch: Batch, rows: Sequence[BatchRow]) -> None: ...


class OutputWriter(Protocol):
    """A complete batch's output file from its rows (by position): content, name, type."""

    def __call__(self, batch: Batch, rows: Sequence[BatchRow]) -> tuple[bytes, str, str]: ...


@dataclass(frozen=True)
class UploadKind:
    """A kind of uploaded file: how it is read, who may upload it, how it is recognised, and,
    for files that are not learner batches, how its rows are processed and its output written.
    """

    name: str
    read: Reader
    permission: Permission
    # Whether the uploader chooses FUL or CHK; a kind that always runs one way refuses any
    # other choice (the portal's radios apply only to kinds that take one).
    chooses_submission_type: bool = True
    # Whether a file is of this kind, from its start; None: only when named.
    recognises: Callable[[UploadedContent], bool] | None = None
    # None: the rows are learners, found and registered by the batch engine (`services.rows`)
    # and written out as an LRB output file or a CTF.
    process_rows: RowProcessor | None = None
    write_output: OutputWriter | None = None


def kinds_needing(permission: Permission) -> list[str]:
    """The names of the kinds whose uploads (and batches) need this permission."""
    return [kind.name for kind in _KINDS.values() if kind.permission == permission]


_KINDS: dict[str, UploadKind] = {}


def register_upload_kind(kind: UploadKind) -> UploadKind:
    """Add a kind of upload (once, as its app loads); its name must be new."""
    if kind.name in _KINDS:
        raise ValueError(f"an upload kind is already called {kind.name!r}")
    _KINDS[kind.name] = kind
    return kind


def upload_kind(name: str) -> UploadKind:
    """The kind registered under `name`; ValidationFailed for any other name."""
    kind = _KINDS.get(name)
    if kind is None:
        message = _("The kind of file must be one of: %(kinds)s.") % {
            "kinds": ", ".join(upload_kind_names())
        }
        raise ValidationFailed(message, field_errors={"kind": [message]})
    return kind


def upload_kind_names() -> tuple[str, ...]:
    return tuple(_KINDS)


def recognise_upload(content: bytes | UploadedContent) -> UploadKind:
    """The kind of an uploaded file, from its start: the first kind registered that recognises
    it, else an LRB batch file. A file object is left where it was."""
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    start = stream.tell()
    try:
        for kind in _KINDS.values():
            if kind.recognises is not None:
                stream.seek(start)
                if kind.recognises(stream):
                    return kind
    finally:
        stream.seek(start)
    return _KINDS[KIND_BATCH]


# --- The built-in kinds ---------------------------------------------------------------------


def looks_like_ctf(content: UploadedContent) -> bool:
    """Whether the upload is XML whose root element is ``CTfile`` (in any namespace).

    Reads only as far as the root's start tag, with defusedxml (entities refused).
    """
    start = content.tell()
    try:
        for _event, element in DefusedET.iterparse(content, events=("start",)):
            return str(element.tag).rpartition("}")[2] == "CTfile"
    except (ParseError, DefusedXmlException, ValueError, LookupError):
        content.seek(start)
        return _CTF_ROOT_RE.search(content.read(_HEAD_BYTES)) is not None
    return False


def _read_ctf(
    *, file_name: str, content: bytes, uploader_ukprn: str, submission_type: str | None
) -> ParsedBatch:
    chosen = (submission_type or "").strip().upper()
    if chosen and chosen != SubmissionType.FULL:
        raise BadCtfFile(
            _(
                "A Common Transfer File is always processed as FUL (find, else register); "
                "leave the submission type out or send FUL."
            )
        )
    return parse_ctf(file_name=file_name, content=content, uploader_ukprn=uploader_ukprn)


register_upload_kind(
    UploadKind(name=KIND_BATCH, read=parse_batch_file, permission=Permission.SUBMIT_BATCH)
)
register_upload_kind(
    UploadKind(
        name=KIND_CTF,
        read=_read_ctf,
        permission=Permission.SUBMIT_BATCH,
        chooses_submission_type=False,
        recognises=looks_like_ctf,
    )
)
