from django.urls import include, path

from lrs.api.api import api

urlpatterns = [
    path("", include("lrs.ops.urls")),
    path("api/v1/", api.urls),
    path("", include("lrs.api.soap.urls")),
    path("", include("lrs.portal.urls")),
]
