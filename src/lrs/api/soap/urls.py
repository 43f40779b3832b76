from django.urls import path

from lrs.api.soap.views import learner_service

urlpatterns = [
    path("LearnerService.svc", learner_service, name="soap-learner-service"),
]
