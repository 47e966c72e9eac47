"""Staff pages for services, locations, organisations and verification (namespace "directory")."""

from django.urls import path

from tsunagu.directory.views import locations, organisations, resources, verification

urlpatterns = [
    path("", resources.service_list_view, name="service_list"),
    path("services/<uuid:code>/", resources.service_detail_view, name="service_detail"),
    path("services/<uuid:code>/edit/", resources.service_edit_view, name="service_edit"),
    path("services/<uuid:code>/status/", resources.service_status_view, name="service_status"),
    path("services/<uuid:code>/verify/", resources.service_verify_view, name="service_verify"),
    path("services/<uuid:code>/locations/new/", locations.location_create_view, name="location_create"),
    path("locations/<uuid:code>/", locations.location_detail_view, name="location_detail"),
    path("locations/<uuid:code>/edit/", locations.location_edit_view, name="location_edit"),
    path("verification/", verification.needs_verification_view, name="needs_verification"),
    path("organisations/", organisations.organisation_list_view, name="organisation_list"),
    path("organisations/<uuid:code>/", organisations.organisation_detail_view, name="organisation_detail"),
    path("organisations/<uuid:code>/services/new/", resources.service_create_view, name="service_create"),
]
