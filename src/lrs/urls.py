from django.http import HttpRequest, HttpResponse
from django.urls import path

from lrs.api.api import api


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        "<!doctype html><html lang='en'><head><title>Learning Records Service</title></head>"
        "<body><h1>Learning Records Service</h1>"
        "<p><a href='/api/v1/docs'>Web services (API) documentation</a></p></body></html>"
    )


urlpatterns = [
    path("", home, name="home"),
    path("api/v1/", api.urls),
]
