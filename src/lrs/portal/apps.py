from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "lrs.portal"
    label = "portal"
    verbose_name = "Organisation portal"
