"""Write audit rows; callers do it inside the transaction of the change they record."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, Protocol

from lrs.core import metrics
from lrs.core.actor import Actor
from lrs.core.bulk import Insert, insert_together, object_rows
from lrs.core.models import AuditEvent


class AuditedLearner(Protocol):
    """What an audit row needs of the learner it is about (`lrs.learners.models.Learner`)."""

    @property
    def pk(self) -> Any: ...

    @property
    def version_number(self) -> int: ...


class AuditAction(enum.StrEnum):
    """What an audit row records; the values are stored."""

    LEARNER_SEARCHED = "learner.searched"
    LEARNER_SEARCHED_RESULT = "learner.search_result"
    LEARNER_FOUND_BY_ULN = "learner.found_by_uln"
    LEARNER_VIEWED = "learner.viewed"
    LEARNER_REGISTERED = "learner.registered"
    LEARNER_IMPORTED = "learner.imported"
    LEARNER_UPDATED = "learner.updated"
    LEARNER_REGISTRATION_REFUSED = "learner.registration_refused"
    LEARNER_VERIFIED = "learner.verified"
    ORGANISATION_CREATED = "organisation.created"
    ORGANISATION_VIEWED = "organisation.viewed"
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_SUSPENDED = "user.suspended"
    USER_REACTIVATED = "user.reactivated"
    USER_DELETED = "user.deleted"
    USER_PASSWORD_RESET = "user.password_reset"  # noqa: S105 - an action name
    USER_IDENTITY_VERIFIED = "user.identity_verified"
    USER_SIGNED_IN = "user.signed_in"
    USER_SIGNED_OUT = "user.signed_out"
    USER_SIGN_IN_FAILED = "user.sign_in_failed"
    USER_LOCKED_OUT = "user.locked_out"
    USER_SIGN_IN_UNKNOWN = "user.sign_in_unknown_username"
    USER_SECOND_FACTOR_ENROLLED = "user.second_factor_enrolled"
    USER_SECOND_FACTOR_VERIFIED = "user.second_factor_verified"
    USER_SECOND_FACTOR_FAILED = "user.second_factor_failed"
    USER_SECOND_FACTOR_RESET = "user.second_factor_reset"
    USER_RECOVERY_CODES_REPLACED = "user.recovery_codes_replaced"
    USER_SECRET_ANSWER_WRONG = "user.secret_answer_wrong"  # noqa: S105 - an action name
    USER_PASSWORD_RESET_PAUSED = "user.password_reset_paused"  # noqa: S105 - an action name
    USER_PASSWORD_CHANGED = "user.password_changed"  # noqa: S105 - an action name
    USER_PASSWORD_RESET_BY_SECRET = "user.password_reset_by_secret"  # noqa: S105 - an action name
    USER_SECRET_QUESTION_SET = "user.secret_question_set"  # noqa: S105 - an action name
    USER_AGREEMENT_ACCEPTED = "user.agreement_accepted"
    USERS_SEARCHED = "user.searched"
    SUPER_USER_REPLACED = "organisation.super_user_replaced"
    BATCH_SUBMITTED = "batch.submitted"
    BATCH_OUTPUT_DOWNLOADED = "batch.output_downloaded"
    BATCH_EXCEPTION_RESOLVED = "batch.exception_resolved"
    QUALIFICATIONS_IMPORTED = "plr.qualifications_imported"
    AWARDING_BODY_LINKED = "plr.awarding_body_linked"
    ACHIEVEMENTS_SUBMITTED = "plr.achievements_submitted"
    LEARNING_EVENTS_IMPORTED = "plr.learning_events_imported"
    LEARNING_EVENT_FLAGGED = "plr.learning_event_flagged"
    PLR_VIEWED = "plr.viewed"
    PLR_VIEW_REFUSED = "plr.view_refused"
    PLR_EVENT_VIEWED = "plr.event_viewed"
    PLR_REPORT_CREATED = "plr.report_created"
    CREDIT_CHECKED = "plr.credit_checked"
    PLR_AUDIT_VIEWED = "plr.audit_viewed"
    LEARNER_EMAIL_CODE_SENT = "learner_account.code_sent"
    LEARNER_EMAIL_CODE_REFUSED = "learner_account.code_refused"
    LEARNER_SIGN_UP_REFUSED = "learner_account.sign_up_refused"
    LEARNER_SIGN_UP_LIMITED = "learner_account.sign_up_limited"
    LEARNER_ACCOUNT_CREATED = "learner_account.created"
    LEARNER_SIGNED_IN = "learner_account.signed_in"
    LEARNER_SIGN_IN_FAILED = "learner_account.sign_in_failed"
    LEARNER_ACCOUNT_LOCKED = "learner_account.locked"
    LEARNER_PASSWORD_RESET = "learner_account.password_reset"  # noqa: S105 - an action name
    LEARNER_SECOND_FACTOR_ON = "learner_account.second_factor_on"
    LEARNER_SECOND_FACTOR_OFF = "learner_account.second_factor_off"
    LEARNER_SECOND_FACTOR_VERIFIED = "learner_account.second_factor_verified"
    LEARNER_SECOND_FACTOR_FAILED = "learner_account.second_factor_failed"
    LEARNER_RECOVERY_CODES_REPLACED = "learner_account.recovery_codes_replaced"
    LEARNER_RECORD_REPORT = "learner_account.report_created"
    SHARE_LINK_CREATED = "share_link.created"
    SHARE_LINK_REVOKED = "share_link.revoked"
    SHARE_LINK_OPENED = "share_link.opened"
    SHARE_LINK_REPORT = "share_link.report_created"
    SHARE_LINK_REFUSED = "share_link.refused"
    CHALLENGE_RAISED = "challenge.raised"
    CHALLENGE_STATUS_CHANGED = "challenge.status_changed"
    ULN_MERGED = "uln.merged"
    ULN_DEMERGED = "uln.demerged"
    ULN_SPLIT = "uln.split"
    LEARNER_DECEASED = "learner.deceased"
    LEARNING_EVENT_TRANSFERRED = "plr.learning_event_transferred"
    LEARNING_EVENT_CORRECTED = "plr.learning_event_corrected"
    LEARNING_EVENT_REMOVED = "plr.learning_event_removed"
    DUPLICATES_FOUND = "uln.duplicates_found"
    DUPLICATES_QUEUED = "uln.duplicates_queued"
    DUPLICATE_DISMISSED = "uln.duplicate_dismissed"
    MATCHING_FIT_QUEUED = "matching.fit_queued"
    MATCHING_FITTED = "matching.fitted"
    MATCHING_MODEL_SWITCHED = "matching.model_switched"
    TOKEN_ISSUED = "token.issued"  # noqa: S105 - an action name, not a secret
    TOKEN_REVOKED = "token.revoked"  # noqa: S105 - an action name, not a secret
    WEB_SERVICE_PASSWORD_SET = "web_service.password_set"  # noqa: S105 - an action name
    WEB_SERVICE_SIGN_IN_FAILED = "web_service.sign_in_failed"
    WEB_SERVICE_LOCKED = "web_service.locked"
    PERMISSION_REFUSED = "security.permission_refused"
    SEARCH_CAP_REPEATED = "security.search_cap_repeated"
    TOKEN_ROTATED = "token.rotated"  # noqa: S105 - an action name, not a secret
    TOKEN_USED_FROM_NEW_ADDRESS = "token.new_address"  # noqa: S105 - an action name


def audit_event(
    *,
    actor: Actor,
    action: AuditAction,
    learner: AuditedLearner | None = None,
    changes: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved audit row, for callers that write several at once (`record_audits`)."""
    organisation = actor.user.organisation
    return AuditEvent(
        user_id=actor.user.pk,
        username=actor.user.username,
        organisation_id=organisation.pk if organisation else None,
        organisation_name=organisation.name if organisation else "",
        channel=actor.channel,
        action=action,
        learner_id=learner.pk if learner is not None else None,
        version_number=learner.version_number if learner is not None else None,
        changes=changes or {},
        details=details or {},
    )


def record_outside_audit(
    *,
    action: AuditAction,
    channel: str,
    learner: AuditedLearner | None = None,
    label: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record an action by someone who is no organisation's user: a learner (or someone trying
    to become one) on the learner portal, or whoever opens a learner's share link.

    `label` stands where a username would (`learner`, `share link`): never a person's name.
    """
    event = AuditEvent(
        user_id=None,
        username=label,
        organisation_id=None,
        organisation_name="",
        channel=channel,
        action=action,
        learner_id=learner.pk if learner is not None else None,
        version_number=learner.version_number if learner is not None else None,
        details=details or {},
    )
    event.save()
    return event


def record_audits(events: list[AuditEvent], *, together_with: Sequence[Insert] = ()) -> None:
    """Write several audit rows at once, in one transaction (the rows get no ids back).

    Inside a caller's transaction no savepoint of its own (two more round trips): a failure
    here fails the caller's transaction, which is what an audit that could not be written
    must do anyway.

    `together_with`: other rows the audited action records (the learners it made known),
    written with the audit rows, all or none. A few rows of each go as one statement
    (`insert_together`): an API search or find writes them without a transaction's BEGIN and
    COMMIT; many (a batch chunk's) go by COPY.
    """
    insert_together([object_rows(AuditEvent, events), *together_with])
    metrics.count_audited(events)


def record_audit(
    *,
    actor: Actor,
    action: AuditAction,
    learner: AuditedLearner | None = None,
    changes: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one action by the actor."""
    event = audit_event(
        actor=actor, action=action, learner=learner, changes=changes, details=details
    )
    event.save()
    metrics.count_audited([event])
    return event


def record_organisation_audit(
    *,
    organisation_id: int,
    organisation_name: str,
    username: str,
    channel: str,
    action: AuditAction,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record an action attempted for an organisation by a caller not (yet) known as one of its
    users: a web-service request with a wrong organisation password."""
    event = AuditEvent.objects.create(
        user_id=None,
        username=username[:150],
        organisation_id=organisation_id,
        organisation_name=organisation_name,
        channel=channel,
        action=action,
        details=details or {},
    )
    metrics.count_audited([event])
    return event
