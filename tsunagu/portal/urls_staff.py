"""Staff pages of the portal, under /staff/portal/ (namespace ``portal_staff``)."""

from django.urls import path

from tsunagu.portal.views import readings

app_name = "portal_staff"

urlpatterns = [
    path("readings/", readings.reading_list_view, name="readings"),
    path("readings/new/", readings.reading_create_view, name="reading_create"),
    path("readings/<uuid:code>/", readings.reading_edit_view, name="reading_edit"),
    path("readings/<uuid:code>/delete/", readings.reading_delete_view, name="reading_delete"),
]
