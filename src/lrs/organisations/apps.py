from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "lrs.organisations"
    label = "organisations"
    verbose_name = "Organisations and users"
