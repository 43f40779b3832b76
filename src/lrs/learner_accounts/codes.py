"""One-time codes sent by email: to confirm a new account's address, and to reset a password.

A code is six digits, valid for 15 minutes, for five tries; only a keyed hash is stored. Mail
goes through Django's email framework (`EMAIL_BACKEND`: a file or the console in the demo,
SMTP by settings), after the transaction that made the code commits.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from lrs.learner_accounts.models import EmailCode

CODE_LIFETIME = datetime.timedelta(minutes=15)
MAX_CODE_TRIES = 5


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _digest(purpose: str, email: str, code: str) -> str:
    message = f"{purpose}:{email}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def new_code(*, purpose: str, email: str) -> str:
    """Store a new code for the address (earlier unused ones stop working) and return it."""
    now = timezone.now()
    EmailCode.objects.filter(purpose=purpose, email=email, used_at__isnull=True).update(used_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    EmailCode.objects.create(
        purpose=purpose,
        email=email,
        code_hash=_digest(purpose, email, code),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    return code


def use_code(*, purpose: str, email: str, code: str) -> bool:
    """Whether the code is the address's live one; a right code is used up, a wrong one counts."""
    now = timezone.now()
    with transaction.atomic():
        live = (
            EmailCode.objects.select_for_update()
            .filter(purpose=purpose, email=email, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
        )
        if live is None:
            return False
        given = "".join(code.split())
        if hmac.compare_digest(live.code_hash, _digest(purpose, email, given)):
            live.used_at = now
            live.save(update_fields=["used_at"])
            return True
        live.attempts += 1
        if live.attempts >= MAX_CODE_TRIES:
            live.used_at = now
        live.save(update_fields=["attempts", "used_at"])
        return False


def send_email_after_commit(*, to: str, subject: str, body: str) -> None:
    """Send when the surrounding transaction commits (never for a change that was undone)."""
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    )
