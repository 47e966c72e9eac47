"""The public portal (docs/portal.md). Mounted under i18n_patterns: `/` in Japanese, `/en/`, `/ja-easy/` …"""

from django.urls import path

from tsunagu.portal.views import detail, finder, home, pages, printing, search, selfcheck

app_name = "portal"

urlpatterns = [
    path("", home.home_view, name="home"),
    path("now/", home.now_view, name="now"),
    path("places/", home.places_view, name="places"),
    path("worried/", pages.worried_view, name="worried"),
    path("browse-privately/", pages.private_view, name="private"),
    path("find/", finder.finder_view, name="finder"),
    path("search/", search.search_view, name="search"),
    path("services/<uuid:code>/", detail.service_view, name="service"),
    path("print/", printing.print_view, name="print"),
    path("self-check/", selfcheck.selfcheck_view, name="selfcheck"),
]
