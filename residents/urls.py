from django.contrib.auth import views as auth_views
from django.urls import include, path

from residents import views
from residents.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("me/", views.profile, name="profile"),
    path("me/edit/", views.profile_edit, name="profile_edit"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/delete/", views.account_erase, name="account_erase"),
    path("me/portrait/", views.profile_portrait, name="profile_portrait"),
    path(
        "me/portrait/withdraw/", views.profile_portrait_withdraw, name="profile_portrait_withdraw"
    ),
    path("me/data/", views.my_data, name="my_data"),
    path("audit/", views.audit_log, name="audit_log"),
    path("communities/picker/", views.community_picker_data, name="community_picker_data"),
    path("residents/find/", views.resident_find, name="resident_find"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("residents/<int:pk>/portrait/", views.resident_portrait, name="resident_portrait"),
    path(
        "residents/<int:pk>/portrait/withdraw/",
        views.resident_portrait_withdraw,
        name="resident_portrait_withdraw",
    ),
    # The service pages sit beside these under the same language prefix. (config/urls.py
    # includes only this module inside i18n_patterns.)
    path("", include("services.urls")),
]
