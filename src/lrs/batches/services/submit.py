"""Submitting a batch: an uploaded file becomes a batch of pending rows, queued for the workers.

`submit_upload` is the one upload path: the portal, the API and `lrs batch submit` each call it
once, with the file as uploaded. `submit_batch` stores a file already read (`ParsedBatch`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.batches import return_codes as rc
from lrs.batches.models import Batch, BatchRow, BatchStatus, RowState
from lrs.batches.parsed import MAX_ROWS, MIN_ROWS, SKIP_KEY, ParsedBatch
from lrs.batches.queue import enqueue_batch
from lrs.batches.uploads import (
    KIND_BATCH,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_MB,
    UploadedContent,
    UploadTooLarge,
    recognise_upload,
    upload_kind,
)
from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import ValidationFailed
from lrs.organisations.selectors import acting_organisation, acting_user


@transaction.atomic
def submit_batch(*, actor: Actor, parsed: ParsedBatch, kind: str = KIND_BATCH) -> Batch:
    """Store a parsed file as a batch of pending rows; a worker processes it."""
    ensure_can(actor, upload_kind(kind).permission)
    if not MIN_ROWS <= len(parsed.rows) <= MAX_ROWS:
        raise ValidationFailed(
            _("A batch file must have between %(min)d and %(max)d learners; this one has %(n)d.")
            % {"min": MIN_ROWS, "max": MAX_ROWS, "n": len(parsed.rows)}
        )
    batch = Batch.objects.create(
        organisation=acting_organisation(actor),
        submitted_by=acting_user(actor),
        submitted_by_username=actor.user.username,
        channel=actor.channel,
        file_name=parsed.file_name,
        file_format=parsed.file_format,
        submission_type=parsed.submission_type,
        file_version=parsed.file_version,
        file_reference=parsed.file_reference,
        contact_email=parsed.contact_email,
        header=dict(parsed.header),
        row_count=len(parsed.rows),
        kind=kind,
    )
    seen: set[str] = set()
    rows = []
    now = timezone.now()
    for position, submitted in enumerate(parsed.rows, start=1):
        mis_id = (submitted.get("MISIdentifier") or "").strip()
        row = BatchRow(
            batch=batch, position=position, mis_identifier=mis_id, submitted=dict(submitted)
        )
        if (submitted.get(SKIP_KEY) or "").strip():
            # Not for the register (a CTF pupil under 14): done, with no return code.
            row.state, row.processed_at = RowState.DONE, now
        else:
            if mis_id and mis_id in seen:
                row.state, row.return_code, row.processed_at = RowState.DONE, rc.RC010, now
                row.message = str(rc.TABLE[rc.RC010].meaning)
            seen.add(mis_id)
        rows.append(row)
    BatchRow.objects.bulk_create(rows, batch_size=1000)
    if all(row.state == RowState.DONE for row in rows):
        batch.status, batch.started_at, batch.finished_at = BatchStatus.COMPLETE, now, now
        batch.save(update_fields=["status", "started_at", "finished_at"])
    record_audit(
        actor=actor,
        action=AuditAction.BATCH_SUBMITTED,
        details={"batch_id": batch.pk, "file_name": batch.file_name, "rows": batch.row_count},
    )
    return batch


def submit_upload(
    *,
    actor: Actor,
    file_name: str,
    content: bytes | UploadedContent,
    submission_type: str | None = None,
    kind: str | None = None,
) -> Batch:
    """Check, read, store and queue an uploaded file: the one way a file becomes a batch.

    `kind` names the kind of file (`uploads.upload_kind_names()`); without it the kind is
    recognised from the content. `submission_type` (FUL or CHK) is the uploader's choice, for
    the kinds that take one. The file is refused as a whole (a ValidationFailed saying why:
    UploadTooLarge over `MAX_UPLOAD_BYTES`, BadBatchFile, BadCtfFile...) before anything is
    stored; once stored, its rows are queued for the workers when the transaction commits.
    """
    upload = upload_kind(kind) if kind else recognise_upload(content)
    ensure_can(actor, upload.permission)
    data = _read_within_limit(content)
    parsed = upload.read(
        file_name=file_name,
        content=data,
        uploader_ukprn=acting_organisation(actor).ukprn,
        submission_type=submission_type,
    )
    with transaction.atomic():
        batch = submit_batch(actor=actor, parsed=parsed, kind=upload.name)
        enqueue_batch(batch.pk)  # on commit: a worker never looks before the rows are there
    return batch


def _read_within_limit(content: bytes | UploadedContent) -> bytes:
    """The upload's bytes, reading no more than one byte past the limit, which refuses it."""
    if isinstance(content, bytes):
        data = content
    else:
        chunks: list[bytes] = []
        left = MAX_UPLOAD_BYTES + 1
        while left > 0 and (chunk := content.read(left)):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            _("The selected file must be smaller than %(size)d MB") % {"size": MAX_UPLOAD_MB}
        )
    return data
