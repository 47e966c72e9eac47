"""Pages of plain text: 「まわりの人が心配なとき」 and how to browse privately."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def worried_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/worried.html")


@require_GET
def private_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/private.html")
