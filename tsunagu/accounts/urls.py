from django.urls import path

from tsunagu.accounts.views import audit_log, auth, manage

app_name = "accounts"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("login/code/", auth.login_code_view, name="login_code"),
    path("login/setup/", auth.second_factor_setup_view, name="second_factor_setup"),
    path("logout/", auth.logout_view, name="logout"),
    path("reauth/", auth.reauth_view, name="reauth"),
    path("organisation/", auth.org_select_view, name="org_select"),
    path("dashboard/", auth.dashboard_view, name="dashboard"),
    path("security/", auth.security_view, name="security"),
    path("security/password/", auth.password_change_view, name="password_change"),
    path("security/recovery-codes/", auth.recovery_codes_regenerate_view, name="recovery_codes_regenerate"),
    path("security/authenticator/replace/", auth.second_factor_replace_view, name="second_factor_replace"),
    path("manage/organisations/", manage.organisation_list_view, name="organisation_list"),
    path("manage/organisations/new/", manage.organisation_create_view, name="organisation_create"),
    path("manage/organisations/<uuid:code>/", manage.organisation_edit_view, name="organisation_edit"),
    path(
        "manage/organisations/<uuid:code>/active/", manage.organisation_set_active_view, name="organisation_set_active"
    ),
    path("manage/users/", manage.user_list_view, name="user_list"),
    path("manage/users/new/", manage.user_create_view, name="user_create"),
    path("manage/users/<uuid:code>/", manage.user_detail_view, name="user_detail"),
    path("manage/users/<uuid:code>/contact/", manage.user_contact_update_view, name="user_contact_update"),
    path("manage/users/<uuid:code>/active/", manage.user_set_active_view, name="user_set_active"),
    path("manage/users/<uuid:code>/password/", manage.user_password_reset_view, name="user_password_reset"),
    path(
        "manage/users/<uuid:code>/authenticator/reset/",
        manage.user_second_factor_reset_view,
        name="user_second_factor_reset",
    ),
    path("manage/users/<uuid:code>/memberships/", manage.membership_add_view, name="membership_add"),
    path("manage/memberships/<uuid:code>/remove/", manage.membership_remove_view, name="membership_remove"),
]

urlpatterns += [
    path("audit/", audit_log.audit_log_view, name="audit_log"),
    path("audit/export.csv", audit_log.audit_export_view, name="audit_export"),
    path("audit/verify/", audit_log.audit_verify_view, name="audit_verify"),
]
