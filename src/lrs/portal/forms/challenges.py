"""Forms of data challenges (user guide 6) and of the service desk's resolutions.

They only collect what was typed; the rules are in `lrs.challenges`, whose refusals the views
put back on these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lrs.challenges.choices import ChallengeKind
from lrs.challenges.services.raising import ChallengeRequest
from lrs.plr.models import LearningEvent
from lrs.portal.forms.learners import LearnerForm


class RaiseChallengeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is the problem?"),
        choices=ChallengeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the type of problem.")},
    )
    other_uln = forms.CharField(
        label=_("Other ULN"),
        help_text=_(
            "For a duplicate or a de-merge, the learner's other ULN. For a qualification that "
            "belongs to someone else, the ULN to transfer it to, if known."
        ),
        required=False,
        max_length=20,
    )
    master_uln = forms.CharField(
        label=_("Master ULN (duplicates only)"),
        help_text=_("Which of the two ULNs should be kept."),
        required=False,
        max_length=20,
    )
    other_name = forms.CharField(
        label=_("Name of the learner to transfer the qualification to"),
        required=False,
        max_length=100,
    )
    event_ids = forms.TypedMultipleChoiceField(
        label=_("Qualifications"),
        help_text=_("Choose one qualification, or two that appear more than once."),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    proposed_grade = forms.CharField(label=_("Proposed grade"), required=False, max_length=20)
    proposed_award_date = forms.DateField(
        label=_("Proposed award date"),
        help_text=_("For example, 2025-08-21"),
        required=False,
        error_messages={"invalid": _("Enter a real date, for example 2025-08-21.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_(
            "For a duplicate whose details differ, why they are the same learner; for a "
            "de-merge, why the ULNs need de-merging."
        ),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    comments = forms.CharField(
        label=_("Additional comments"),
        help_text=_("What your organisation believes the corrective action is."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        error_messages={"required": _("Enter your name.")},
    )
    contact_email = forms.CharField(
        label=_("Your email address"),
        max_length=254,
        error_messages={
            "required": _("Enter an email address in the correct format, like name@example.com")
        },
    )
    contact_telephone = forms.CharField(
        label=_("Your telephone number"),
        max_length=30,
        error_messages={"required": _("Enter your telephone number.")},
    )

    def __init__(self, *args: Any, events: list[LearningEvent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_ids"].choices = [  # type: ignore[attr-defined]
            (event.pk, event_label(event)) for event in events
        ]

    def to_request(self, uln: str) -> ChallengeRequest:
        data = self.cleaned_data
        proposed: dict[str, Any] = {}
        if data["proposed_grade"]:
            proposed["grade"] = data["proposed_grade"]
        if data["proposed_award_date"]:
            proposed["achievement_award_date"] = data["proposed_award_date"].isoformat()
        return ChallengeRequest(
            kind=data["kind"],
            uln=uln,
            other_uln=data["other_uln"],
            master_uln=data["master_uln"],
            other_name=data["other_name"],
            event_ids=data["event_ids"],
            proposed=proposed,
            reason=data["reason"],
            comments=data["comments"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            contact_telephone=data["contact_telephone"],
        )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatusForm(CommentForm):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            ("in_progress", _("In progress")),
            ("resolved", _("Resolved")),
            ("rejected", _("Rejected")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a status.")},
    )


RESOLUTIONS = [
    ("merge", _("Merge the duplicate ULN into the master")),
    ("demerge", _("De-merge the ULNs")),
    ("correct", _("Correct the qualification with the proposed values")),
    ("transfer", _("Transfer the qualification to the other ULN")),
    ("remove", _("Remove the second of the duplicated qualifications")),
    ("deceased", _("Record that the learner has died")),
]


class WorklistChallengeForm(forms.Form):
    """Raise a duplicate ULN challenge from a worklist pair: which of the two is master."""

    suspect = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    master_uln = forms.CharField(
        label=_("Which ULN is the master?"),
        max_length=10,
        error_messages={"required": _("Choose which of the two ULNs is the master.")},
    )
    reason = forms.CharField(
        label=_("Why they are the same learner"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResolveForm(CommentForm):
    action = forms.ChoiceField(
        label=_("Resolution"),
        choices=RESOLUTIONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a resolution.")},
    )
    date_of_death = forms.DateField(
        label=_("Date of death (if known)"),
        help_text=_("For example, 2025-05-01"),
        required=False,
        error_messages={"invalid": _("Enter a real date, for example 2025-05-01.")},
    )


class SplitForm(LearnerForm):
    """The second person sharing a ULN: their details (as a registration takes them) and the
    shared record's events that are theirs."""

    event_ids = forms.TypedMultipleChoiceField(
        label=_("Qualifications that belong to the second person"),
        help_text=_("They move to the new ULN. Leave them all unticked to move none."),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("Comment"),
        help_text=_("Kept on the data challenge's history."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    challenge_reference = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args: Any, events: list[LearningEvent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_ids"].choices = [  # type: ignore[attr-defined]
            (event.pk, event_label(event)) for event in events
        ]


def event_label(event: LearningEvent) -> str:
    return (
        f"{event.subject} ({event.subject_code}) {event.grade} "
        f"{event.achievement_award_date or ''}".strip()
    )
