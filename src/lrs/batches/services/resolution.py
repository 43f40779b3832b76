"""Exceptions: rows a person resolves (choose an offered learner, or register a new one),
and those nobody resolved within 45 days of the upload (user guide 4.3)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.batches import return_codes as rc
from lrs.batches.models import BatchException, BatchRow, ExceptionStatus, SubmissionType
from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import Conflict, NotFound, ValidationFailed
from lrs.core.roles import Permission
from lrs.learners.imports import details_from_row
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.selectors import acting_user

EXCEPTION_CODES = frozenset(code for code, entry in rc.TABLE.items() if entry.exception)


def expire_exceptions(*, now: datetime.datetime | None = None) -> int:
    """Close the exceptions nobody resolved within 45 days of the upload (user guide 4.3)."""
    return BatchException.objects.filter(
        status=ExceptionStatus.OPEN, expires_at__lte=now or timezone.now()
    ).update(status=ExceptionStatus.EXPIRED)


def _open_exception(actor: Actor, exception_id: int) -> BatchException:
    ensure_can(actor, Permission.SUBMIT_BATCH)
    exception = (
        BatchException.objects.select_for_update(of=("self",))
        .select_related("row__batch")
        .filter(pk=exception_id, organisation_id=actor.organisation.pk)
        .first()
    )
    if exception is None:
        raise NotFound(_("There is no such exception for your organisation."))
    if exception.status == ExceptionStatus.OPEN and exception.expires_at <= timezone.now():
        exception.status = ExceptionStatus.EXPIRED
        exception.save(update_fields=["status"])
    if exception.status != ExceptionStatus.OPEN:
        raise Conflict(_("This exception has already been resolved or has expired."))
    return exception


def _close(
    actor: Actor, exception: BatchException, status: str, learner: Learner, code: str
) -> None:
    now = timezone.now()
    exception.status = status
    exception.learner = learner
    exception.resolved_at = now
    exception.resolved_by = acting_user(actor)
    exception.resolved_by_username = actor.user.username
    exception.save()
    row = exception.row
    row.return_code, row.uln, row.learner, row.message = code, learner.uln, learner, ""
    row.save(update_fields=["return_code", "uln", "learner", "message"])
    # The rows of files sent again that shared this exception get the same answer.
    shared = list(
        BatchRow.objects.filter(shared_exception=exception, return_code__in=EXCEPTION_CODES)
        .order_by("batch_id", "position")
        .values_list("pk", "batch_id", "position")
    )
    BatchRow.objects.filter(pk__in=[pk for pk, _batch, _position in shared]).update(
        return_code=code, uln=learner.uln, learner=learner, message=""
    )
    record_audit(
        actor=actor,
        action=AuditAction.BATCH_EXCEPTION_RESOLVED,
        learner=learner,
        details={
            "batch_id": row.batch_id,
            "row": row.position,
            "resolution": status,
            **(
                {"shared_rows": [{"batch_id": b, "row": p} for _pk, b, p in shared]}
                if shared
                else {}
            ),
        },
    )


@transaction.atomic
def resolve_by_choosing(*, actor: Actor, exception_id: int, learner_id: int) -> BatchException:
    """The user chose one of the learners offered: the row gets that learner's ULN."""
    exception = _open_exception(actor, exception_id)
    offered = {int(c["learner_id"]) for c in exception.candidates}
    if learner_id not in offered:
        raise ValidationFailed(field_errors={"learner": [_("Choose one of the learners listed.")]})
    learner = Learner.objects.get(pk=learner_id)
    _close(actor, exception, ExceptionStatus.MATCHED, learner, rc.RC001)
    return exception


@transaction.atomic
def resolve_by_registering(*, actor: Actor, exception_id: int) -> BatchException:
    """The user confirmed the learner is none of those offered: register a new learner."""
    exception = _open_exception(actor, exception_id)
    if exception.row.batch.submission_type == SubmissionType.CHECK:
        raise Conflict(
            _(
                "This row came from a find-only (CHK) batch file, so no learner can be "
                "registered for it. Choose one of the learners offered, or send the learner "
                "in a FUL batch file if they need registering."
            ),
            code="check_only_batch",
        )
    details, errors = details_from_row(exception.row.submitted)
    if errors:
        raise ValidationFailed(field_errors=errors)
    register_actor = Actor(user=actor.user, channel=Channel.BATCH)
    result = register_learner(
        details=details, actor=register_actor, confirm_not_possible_match=True
    )
    if result.learner is None:
        raise Conflict(_("The learner could not be registered."))
    _close(actor, exception, ExceptionStatus.REGISTERED, result.learner, rc.RC002)
    return exception
