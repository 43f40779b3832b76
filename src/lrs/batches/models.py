"""Batch files, their rows and the exceptions users resolve (DESIGN 3.5).

All processing state lives here, so a worker can die at any moment: a row's result and any
learner it registers are written in one transaction, and an unfinished row is simply picked up
again by the next worker.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

EXCEPTION_LIFETIME = datetime.timedelta(days=45)


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XML = "xml", "XML"
    CTF = "ctf", _("Common Transfer File")


class SubmissionType(models.TextChoices):
    FULL = "FUL", _("Find, else register (FUL)")
    CHECK = "CHK", _("Find only (CHK)")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    PROCESSING = "processing", _("Processing")
    COMPLETE = "complete", _("Complete")


class Batch(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="batches"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by_username = models.CharField(max_length=150)
    channel = models.CharField(max_length=16)
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8, choices=FileFormat.choices)
    # The upload kind (`uploads.register_upload_kind`) whose rules apply: who may see the
    # batch, who processes its rows, what its output file is. LRB files and CTFs are learner
    # batches; other apps register their own kinds (the PLR's "achievements").
    kind = models.CharField(max_length=16, default="batch")
    submission_type = models.CharField(max_length=3, choices=SubmissionType.choices)
    file_version = models.CharField(max_length=8, blank=True)
    file_reference = models.CharField(max_length=255, blank=True)
    contact_email = models.CharField(max_length=255, blank=True)
    # The submitted file's own header (CSV header row or XML/CTF header), to write it back.
    header = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    row_count = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-submitted_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.pk})"


class RowState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Done")


class BatchRow(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()  # 1 for the first learner of the file
    mis_identifier = models.CharField(max_length=255, blank=True)
    # The row as submitted, by the real service's field names (ULN, GivenName, ...).
    submitted = models.JSONField(default=dict)
    state = models.CharField(max_length=8, choices=RowState.choices, default=RowState.PENDING)
    return_code = models.CharField(max_length=5, blank=True)
    message = models.TextField(blank=True)
    uln = models.CharField(max_length=10, blank=True)
    learner = models.ForeignKey(
        "learners.Learner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    # The open exception of an earlier row (this file's or another's) with the same learner
    # details, which this row shares instead of repeating it: resolving it resolves this row.
    shared_exception = models.ForeignKey(
        "BatchException",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shared_rows",
    )

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="batch_row_position")
        ]
        indexes = [models.Index(fields=["batch", "state", "position"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.position}"


class ExceptionStatus(models.TextChoices):
    OPEN = "open", _("To resolve")
    MATCHED = "matched", _("Resolved: learner chosen")
    REGISTERED = "registered", _("Resolved: new learner registered")
    EXPIRED = "expired", _("Expired")


class BatchException(models.Model):
    """A row that needs a person: possible matches (or too many) to choose from."""

    row = models.OneToOneField(BatchRow, on_delete=models.CASCADE, related_name="exception")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # The learners offered, best first: learner_id, uln, probability and the evidence of why
    # each matched (`lrs.learners.match_reasons.evidence_data`), never sentences.
    candidates = models.JSONField(default=list)
    status = models.CharField(
        max_length=12, choices=ExceptionStatus.choices, default=ExceptionStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by_username = models.CharField(max_length=150, blank=True)
    learner = models.ForeignKey(
        "learners.Learner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What makes two rows the same question (`rows.exception_key`): the learner's details as
    # cleaned, the return code and the submission type. An open exception with the same key in
    # the same organisation is shared, not repeated, when the file is sent again.
    details_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["expires_at", "id"]
        indexes = [
            models.Index(fields=["organisation", "status", "expires_at"]),
            models.Index(fields=["organisation", "details_key"], name="batch_exception_key"),
        ]

    def __str__(self) -> str:
        return f"exception {self.pk} ({self.status})"


# A worker writes its heartbeat at least this often (and one on starting) ...
HEARTBEAT_SECONDS = 2.0
# ... and counts as alive while its last one is younger than this: a chunk of rows, which may
# hold SQLite's write lock for a while, must not make a busy worker look dead.
HEARTBEAT_ALIVE_SECONDS = 15.0


class WorkerHeartbeat(models.Model):
    """A running batch worker's sign of life, written every few seconds while it runs.

    `lrs batch submit --wait` reads it to know at once whether any worker will take the batch
    (`selectors.worker_alive`): with none alive it processes the rows itself straight away
    instead of waiting to see. A worker removes its own row when it stops; one that dies leaves
    a row that simply grows old.
    """

    name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.seen_at:%Y-%m-%d %H:%M:%S})"
