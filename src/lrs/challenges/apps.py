from __future__ import annotations

from django.apps import AppConfig


class ChallengesConfig(AppConfig):
    name = "lrs.challenges"
    label = "challenges"
    verbose_name = "Data challenges"
