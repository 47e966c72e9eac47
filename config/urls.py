from django.urls import include, path
from django.views.i18n import set_language

from tsunagu.core import views as core_views

urlpatterns = [
    path("", core_views.home_view, name="home"),
    path("healthz", core_views.healthz_view, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("staff/", include("tsunagu.accounts.urls")),
    path("staff/directory/", include("tsunagu.directory.urls")),
    path("api/hsds/", include("tsunagu.directory.api.urls")),
]

handler403 = "tsunagu.core.views.error_403"
handler404 = "tsunagu.core.views.error_404"
handler500 = "tsunagu.core.views.error_500"
