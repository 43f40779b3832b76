from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`lrs demo` and `lrs generate`: compose the apps to build demo data (above every app)."""

    name = "lrs.demo"
    label = "demo"
    verbose_name = "Demo data"
