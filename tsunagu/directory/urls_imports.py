"""Staff import page (namespace "directory", under /staff/directory/)."""

from django.urls import path

from tsunagu.directory.views import imports

urlpatterns = [
    path("imports/", imports.import_start_view, name="import_start"),
    path("imports/confirm/", imports.import_confirm_view, name="import_confirm"),
]
