from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "TSUNAGU_DEMO": settings.TSUNAGU_DEMO,
        "STAFF_LANGUAGES": settings.STAFF_LANGUAGES,
        "actor": getattr(request, "actor", None),
    }
