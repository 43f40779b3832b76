from django.urls import path

from lrs.api.soap.views import learner_service_r9_view, learner_service_view

urlpatterns = [
    path("LearnerService.svc", learner_service_view, name="soap-learner-service"),
    path("LearnerServiceR9.svc", learner_service_r9_view, name="soap-learner-service-r9"),
]
