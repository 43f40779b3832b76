"""Share links: only the chosen events, until expiry or revocation, each opening in the access
log, and a changed or foreign token refused."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core import signing
from django.utils import timezone
from pypdf import PdfReader

from lrs.core.audit import AuditAction
from lrs.core.errors import ValidationFailed
from lrs.learner_accounts.errors import ShareLinkRefused
from lrs.learner_accounts.models import LearnerAccount, ShareLink
from lrs.learner_accounts.reports import create_shared_report
from lrs.learner_accounts.selectors import access_log_entry, access_log_rows, my_events
from lrs.learner_accounts.sharing import (
    create_share_link,
    list_share_links,
    open_share_link,
    revoke_share_link,
)
from lrs.plr.models import LearningEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _chosen(account: LearnerAccount) -> list[int]:
    """The GCSE only."""
    return [event.pk for event in my_events(account.learner) if event.source_record_id == "G"]


def test_a_link_shows_only_the_chosen_events(account: LearnerAccount) -> None:
    link, token = create_share_link(
        account=account, recipient="Acme Engineering", event_ids=_chosen(account), days=7
    )
    shared = open_share_link(token=token)
    assert [event.source_record_id for event in shared.events] == ["G"]
    assert shared.link == link
    assert shared.unchanged
    assert link.expires_at - link.created_at == datetime.timedelta(days=7)


def test_each_opening_is_in_the_access_log_with_the_recipient(account: LearnerAccount) -> None:
    _link, token = create_share_link(
        account=account, recipient="Acme Engineering", event_ids=_chosen(account), days=7
    )
    open_share_link(token=token)
    create_shared_report(token=token)
    rows = list(access_log_rows(account.learner)[:2])
    assert [row.action for row in rows] == [
        AuditAction.SHARE_LINK_REPORT,
        AuditAction.SHARE_LINK_OPENED,
    ]
    entry = access_log_entry(rows[1])
    assert entry.by_share_link
    assert "Acme Engineering" in entry.who


def test_the_pdf_is_stamped_with_what_it_is_and_its_expiry(account: LearnerAccount) -> None:
    link, token = create_share_link(
        account=account, recipient="Acme Engineering", event_ids=_chosen(account), days=30
    )
    _shared, report = create_shared_report(token=token)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.content)).pages)
    assert "Acme Engineering" in text
    assert "share link" in text
    expires = timezone.localtime(link.expires_at)
    assert f"{expires.day} " in text
    assert str(expires.year) in text
    assert report.event_count == 1


def test_events_of_someone_else_cannot_be_shared(
    account: LearnerAccount, register: object, ao_actor: object
) -> None:
    from lrs.plr.services import submit_achievements
    from tests.plr.fixtures import row

    other = register(given_name="Rhodri", family_name="Evans", gender="1")  # type: ignore[operator]
    submit_achievements(actor=ao_actor, rows=[row(other, source_record_id="O1")])  # type: ignore[arg-type]
    theirs = LearningEvent.objects.get(source_record_id="O1").pk
    with pytest.raises(ValidationFailed) as refused:
        create_share_link(account=account, recipient="X", event_ids=[theirs], days=7)
    assert "events" in refused.value.field_errors
    with pytest.raises(ValidationFailed):
        create_share_link(
            account=account, recipient="X", event_ids=[*_chosen(account), theirs], days=7
        )


@pytest.mark.parametrize(("recipient", "days"), [("", 7), ("Acme", 3), ("x" * 101, 7)])
def test_a_link_needs_a_recipient_and_a_duration_offered(
    account: LearnerAccount, recipient: str, days: int
) -> None:
    with pytest.raises(ValidationFailed):
        create_share_link(
            account=account, recipient=recipient, event_ids=_chosen(account), days=days
        )


def test_an_expired_link_is_refused(account: LearnerAccount) -> None:
    _link, token = create_share_link(
        account=account, recipient="Acme", event_ids=_chosen(account), days=1
    )
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + datetime.timedelta(days=1, seconds=1)
        patch.setattr(timezone, "now", lambda: later)
        with pytest.raises(ShareLinkRefused) as refused:
            open_share_link(token=token)
    assert refused.value.code == "share_link_expired"


def test_a_revoked_link_is_refused_at_once(account: LearnerAccount) -> None:
    link, token = create_share_link(
        account=account, recipient="Acme", event_ids=_chosen(account), days=7
    )
    revoke_share_link(account=account, public_id=link.public_id)
    with pytest.raises(ShareLinkRefused) as refused:
        open_share_link(token=token)
    assert refused.value.code == "share_link_revoked"
    assert [item.revoked_at is not None for item in list_share_links(account)] == [True]


def test_only_the_learner_who_made_a_link_revokes_it(
    account: LearnerAccount, register: object
) -> None:
    from tests.learner_accounts.fixtures import sign_up

    link, _token = create_share_link(
        account=account, recipient="Acme", event_ids=_chosen(account), days=7
    )
    other = sign_up(
        register(given_name="Rhodri", family_name="Evans", gender="1"),  # type: ignore[operator]
        email="rhodri@example.org",
    )
    with pytest.raises(ShareLinkRefused):
        revoke_share_link(account=other, public_id=link.public_id)
    assert ShareLink.objects.get().revoked_at is None


def _tampered(token: str) -> list[str]:
    """The token with one character changed in each part, and others made without the key."""
    changed = []
    for position in (0, len(token) // 2, len(token) - 1):
        replacement = "A" if token[position] != "A" else "B"
        changed.append(token[:position] + replacement + token[position + 1 :])
    return changed


def test_a_changed_token_is_refused(account: LearnerAccount) -> None:
    _link, token = create_share_link(
        account=account, recipient="Acme", event_ids=_chosen(account), days=7
    )
    for bad in _tampered(token):
        with pytest.raises(ShareLinkRefused) as refused:
            open_share_link(token=bad)
        assert refused.value.code == "share_link_tampered"


def test_a_token_made_without_the_services_key_or_with_a_longer_expiry_is_refused(
    account: LearnerAccount,
) -> None:
    link, _token = create_share_link(
        account=account, recipient="Acme", event_ids=_chosen(account), days=7
    )
    payload: dict[str, Any] = {"i": link.public_id, "x": int(link.expires_at.timestamp())}
    forged = signing.dumps(
        payload, key="not the service's key", salt="lrs.learner_accounts.share_link"
    )
    with pytest.raises(ShareLinkRefused):
        open_share_link(token=forged)
    # Signed with the right key but claiming another expiry: not this link.
    longer = signing.dumps(
        {**payload, "x": payload["x"] + 86400}, salt="lrs.learner_accounts.share_link"
    )
    with pytest.raises(ShareLinkRefused):
        open_share_link(token=longer)


def test_a_corrected_event_shows_the_link_is_no_longer_as_shared(
    account: LearnerAccount, ao_actor: object
) -> None:
    from lrs.plr.services import submit_achievements
    from tests.plr.fixtures import row

    _link, token = create_share_link(
        account=account, recipient="Acme", event_ids=_chosen(account), days=7
    )
    submit_achievements(
        actor=ao_actor,  # type: ignore[arg-type]
        rows=[row(account.learner, source_record_id="G", grade="8")],
    )
    assert not open_share_link(token=token).unchanged
