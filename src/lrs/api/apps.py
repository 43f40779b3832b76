from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lrs.api"
    label = "lrs_api"
    verbose_name = "Web services"
