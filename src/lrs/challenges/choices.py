"""Code lists of data challenges (user guide 6.1's table)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChallengeKind(models.TextChoices):
    # ULN data challenges: the ULN has been incorrectly created.
    DUPLICATE_ULN = "duplicate_uln", _("Duplicate ULN (the learner has been given a second ULN)")
    FICTITIOUS_ULN = "fictitious_uln", _("Fictitious or fraudulent ULN")
    # The ULN has been incorrectly merged.
    INCORRECTLY_MERGED = "incorrectly_merged", _("ULN incorrectly merged (de-merge)")
    # The ULN has another problem.
    SHARED_ULN = "shared_uln", _("Two people sharing the same ULN")
    DECEASED = "deceased", _("Deceased learner")
    DETAILS_CHANGED = (
        "details_changed",
        _("ULN incorrect as details have changed (the learner is using another learner's ULN)"),
    )
    OTHER_ULN = "other_uln", _("Other ULN problem")
    # Event data challenges.
    EVENT_WRONG = "event_wrong", _("Information on one of the qualifications is wrong")
    EVENT_NOT_THIS_LEARNER = (
        "event_not_this_learner",
        _("One of the qualifications does not belong to this learner"),
    )
    EVENT_DUPLICATED = "event_duplicated", _("One of the qualifications appears more than once")


ULN_KINDS = frozenset(
    {
        ChallengeKind.DUPLICATE_ULN,
        ChallengeKind.FICTITIOUS_ULN,
        ChallengeKind.INCORRECTLY_MERGED,
        ChallengeKind.SHARED_ULN,
        ChallengeKind.DECEASED,
        ChallengeKind.DETAILS_CHANGED,
        ChallengeKind.OTHER_ULN,
    }
)
EVENT_KINDS = frozenset(
    {
        ChallengeKind.EVENT_WRONG,
        ChallengeKind.EVENT_NOT_THIS_LEARNER,
        ChallengeKind.EVENT_DUPLICATED,
    }
)
# Kinds that name a second ULN: the duplicate and its master, or the two to de-merge.
TWO_ULN_KINDS = frozenset({ChallengeKind.DUPLICATE_ULN, ChallengeKind.INCORRECTLY_MERGED})


DATE_FIELDS_OF_EVENTS = frozenset(
    {"achievement_award_date", "participation_start_date", "participation_end_date"}
)


class RaiserKind(models.TextChoices):
    """Who raised a challenge: an organisation's user, or the learner on the learner portal."""

    ORGANISATION = "organisation", _("An organisation")
    LEARNER = "learner", _("The learner")


class ChallengeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CLOSED_STATUSES = frozenset(
    {ChallengeStatus.RESOLVED, ChallengeStatus.REJECTED, ChallengeStatus.WITHDRAWN}
)
# Which status may follow which; withdrawing is the raiser's, the others the service desk's.
NEXT_STATUSES: dict[str, frozenset[str]] = {
    ChallengeStatus.OPEN: frozenset(
        {
            ChallengeStatus.IN_PROGRESS,
            ChallengeStatus.RESOLVED,
            ChallengeStatus.REJECTED,
            ChallengeStatus.WITHDRAWN,
        }
    ),
    ChallengeStatus.IN_PROGRESS: frozenset(
        {ChallengeStatus.RESOLVED, ChallengeStatus.REJECTED, ChallengeStatus.WITHDRAWN}
    ),
    ChallengeStatus.RESOLVED: frozenset(),
    ChallengeStatus.REJECTED: frozenset(),
    ChallengeStatus.WITHDRAWN: frozenset(),
}


class UlnChangeKind(models.TextChoices):
    MERGED = "merged", _("Merged")
    DEMERGED = "demerged", _("De-merged")
    DECEASED = "deceased", _("Deceased")
    SPLIT = "split", _("Split")


class SuspectStatus(models.TextChoices):
    OPEN = "open", _("To check")
    NOT_DUPLICATE = "not_duplicate", _("Not a duplicate")
    CHALLENGED = "challenged", _("Challenge raised")
    MERGED = "merged", _("Merged")


class FitRunPhase(models.TextChoices):
    """What a run of the matching fit (`MatchingFitRun`) is doing while it runs."""

    GATHERING = "gathering", _("Gathering the service's decisions")
    PAIRING = "pairing", _("Pairing learners with their candidates")
    ESTIMATING = "estimating", _("Estimating the model")
    DONE = "done", _("Done")


class DuplicateRunState(models.TextChoices):
    """Where a run of the duplicate finder is (`DuplicateRun`)."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")
