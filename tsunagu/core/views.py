from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, select_template
from django.views.decorators.http import require_GET


@require_GET
def healthz_view(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when the database answers, 503 otherwise. Reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


#: Paths whose clients read JSON (the HSDS API); its own refusals are JSON already (docs/api.md).
_JSON_PREFIXES = ("/api/",)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django refuses before any view (a Host outside ALLOWED_HOSTS, a body too large):
    a page that needs nothing from the request, in Japanese and English, or JSON for the API."""
    if request.path.startswith(_JSON_PREFIXES):
        return JsonResponse(
            {
                "status": 400,
                "error": "bad_request",
                "message": {"ja": "リクエストを読み取れませんでした。", "en": "The request could not be read."},
            },
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    return HttpResponse(get_template("400.html").render(), status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


#: Paths of the staff pages and the API; any other unknown address is the public portal's.
_STAFF_PREFIXES = ("/staff/", "/api/", "/i18n/", "/static/")


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Staff pages get the staff frame; anything else the public frame (crisis banner, quick exit):
    both are project templates (templates/), so core names no app."""
    names = ["404.html"] if request.path.startswith(_STAFF_PREFIXES) else ["public/404.html", "404.html"]
    return HttpResponse(select_template(names).render({}, request), status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
