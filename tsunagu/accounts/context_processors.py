"""What every staff page's frame needs: the navigation assembled from the apps' doors."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tsunagu.accounts.doors import doors_for, navigation
from tsunagu.accounts.policy import ANONYMOUS, Actor


def staff_navigation(request: HttpRequest) -> dict[str, object]:
    # Lazy: the counts are read only when a page that shows the navigation renders it (staff pages,
    # never the portal or the API).
    actor: Actor = getattr(request, "actor", ANONYMOUS)
    return {
        "staff_doors": SimpleLazyObject(lambda: navigation(doors_for(actor, navigation_only=True), path=request.path))
    }
