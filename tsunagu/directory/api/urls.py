"""The public HSDS API, under /api/hsds/ (docs/api.md). Paths follow the HSDS OpenAPI: no trailing slash."""

from django.urls import path, re_path

from tsunagu.directory.api import views

app_name = "hsds"

urlpatterns = [
    path("", views.api_root, name="root"),
    path("openapi.json", views.openapi_document, name="openapi"),
    path("services", views.service_list, name="service_list"),
    path("services/<str:id>", views.service_detail, name="service_detail"),
    path("organizations", views.organization_list, name="organization_list"),
    path("organizations/<str:id>", views.organization_detail, name="organization_detail"),
    path("taxonomies", views.taxonomy_list, name="taxonomy_list"),
    path("taxonomies/<str:id>", views.taxonomy_detail, name="taxonomy_detail"),
    path("taxonomy_terms", views.taxonomy_term_list, name="taxonomy_term_list"),
    path("taxonomy_terms/<str:id>", views.taxonomy_term_detail, name="taxonomy_term_detail"),
    path("service_at_locations", views.service_at_location_list, name="service_at_location_list"),
    path("service_at_locations/<str:id>", views.service_at_location_detail, name="service_at_location_detail"),
    # Anything else under /api/hsds/ answers a JSON 404, not the HTML error page: any character, a
    # newline (%0A) included, which "." and "$" would not match.
    re_path(r"^(?P<path>[\s\S]+)\Z", views.not_found, name="not_found"),
]
