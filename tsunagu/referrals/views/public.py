"""The person withdraws their consent with the code on their slip, without an account.

Like the chat, this page sets no cookie, so it takes no CSRF token: a forged request would need the
code. Attempts are limited per client address; wrong codes are counted and audited per source and hour.
"""

from __future__ import annotations

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tsunagu.core.crypto import blind_index
from tsunagu.referrals import services

ATTEMPTS_PER_HOUR = 10


class WithdrawCodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code on your slip"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


def _too_many(request: HttpRequest) -> bool:
    address = str(request.META.get("REMOTE_ADDR", "") or "-")
    key = "consent-withdraw:" + blind_index(address, purpose="referrals.withdraw_attempts")
    cache.add(key, 0, timeout=3600)
    try:
        attempts = cache.incr(key)
    except ValueError:
        attempts = 1
    return attempts > ATTEMPTS_PER_HOUR


@csrf_exempt
@require_http_methods(["GET", "POST"])
def withdraw_view(request: HttpRequest) -> HttpResponse:
    form = WithdrawCodeForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST":
        if _too_many(request):
            context["error"] = "rate"
            status = 429
        elif not form.is_valid():
            status = 400
        elif services.consent_withdraw_by_code(code=form.cleaned_data["code"]):
            return render(request, "referrals/withdrawn.html")
        else:
            context["error"] = "code"
            status = 400
    return render(request, "referrals/withdraw.html", context, status=status)
