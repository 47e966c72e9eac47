"""The public HSDS 3.0 API, under /api/hsds/."""

from django.urls import URLPattern

app_name = "hsds"

urlpatterns: list[URLPattern] = []
