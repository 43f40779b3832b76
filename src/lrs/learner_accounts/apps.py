from django.apps import AppConfig


class LearnerAccountsConfig(AppConfig):
    name = "lrs.learner_accounts"
    label = "learner_accounts"
    verbose_name = "Learner accounts and share links"
