"""The organisation portal's pages."""

from django.urls import path

from lrs.portal.views import (
    account,
    achievements,
    batches,
    challenges,
    learner_portal,
    learner_second_factor,
    learners,
    matching_model,
    pages,
    plr,
    second_factor,
    security,
    service_desk,
    signin,
    tokens,
    users,
    verify,
    web_services,
)

app_name = "portal"

urlpatterns = [
    path("", pages.root_view, name="root"),
    path("home/", pages.home_view, name="home"),
    path("terms/", pages.terms_view, name="terms"),
    path("accessibility/", pages.accessibility_view, name="accessibility"),
    path("language/<str:code>/", pages.language_view, name="language"),
    path("sign-in/", signin.sign_in_view, name="sign-in"),
    path("sign-out/", signin.sign_out_view, name="sign-out"),
    path("sign-in/change-password/", signin.change_password_view, name="change-password"),
    path("sign-in/agreement/", signin.agreement_view, name="agreement"),
    path("sign-in/secret-question/", signin.secret_question_view, name="secret-question"),
    path("forgotten-password/", signin.forgotten_password_view, name="forgotten-password"),
    path(
        "forgotten-password/answer/",
        signin.forgotten_password_answer_view,
        name="forgotten-password-answer",
    ),
    path("account/", account.account_view, name="account"),
    *learner_portal.urlpatterns,
    *learner_second_factor.urlpatterns,
    *plr.urlpatterns,
    *verify.urlpatterns,
    *achievements.urlpatterns,
    *challenges.urlpatterns,
    *matching_model.urlpatterns,
    *learners.urlpatterns,
    *batches.urlpatterns,
    *second_factor.urlpatterns,
    *security.urlpatterns,
    *tokens.urlpatterns,
    *users.urlpatterns,
    *service_desk.urlpatterns,
    *web_services.urlpatterns,
]
