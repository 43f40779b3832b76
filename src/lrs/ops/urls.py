"""The operational endpoints, at the root of the site (docs/deploy.md)."""

from django.urls import path

from lrs.ops import health, metrics

urlpatterns = [
    path("healthz", health.healthz_view, name="healthz"),
    path("readyz", health.readyz_view, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
