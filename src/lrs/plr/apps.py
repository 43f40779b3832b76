from django.apps import AppConfig


class PlrConfig(AppConfig):
    name = "lrs.plr"
    label = "plr"
    verbose_name = "Personal Learning Record"
