"""The confirm step before an action that cannot be undone (docs/architecture.md, "Confirm steps").

Sending a referral, withdrawing it, ending a consultation, transferring it, blocking a sender: one
click must not do any of these by mistake. The view asks first:

    if (page := confirm.ask_first(request, question=…, detail=…, back_url=…)) is not None:
        return page

A POST without ``confirmed=1`` changes nothing: the answer is a page that says plainly what will
happen and what cannot be undone, repeats the submitted fields as hidden inputs (in the body, never
in the URL) and offers 「確定する」 (the same POST with ``confirmed=1``) and 「戻る」. That works
without JavaScript. With JavaScript, ``static/core/confirm.js`` asks the same question in a native
``<dialog>`` when a form (or a submit button) marked ``data-confirm`` is submitted, and confirming
submits with ``confirmed=1``, so the page is skipped. The view asks only after its access door (an
outsider still gets 404, a reader 403) and, where it has a form, after the form is valid (bad input
gets its message at once, not after a confirmation).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise

#: The field that says "yes, do it"; its value is "1".
CONFIRMED = "confirmed"
#: The confirm step's 「戻る」 when the view shows its form again with what was entered.
BACK = "confirm-back"
_NOT_REPEATED = frozenset({"csrfmiddlewaretoken", CONFIRMED, BACK})

Text = str | Promise


def is_confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRMED) == "1"


def went_back(request: HttpRequest) -> bool:
    """The person chose 「戻る」 on a confirm step that returns to the form (``back_url=None``)."""
    return request.method == "POST" and request.POST.get(BACK) == "1" and not is_confirmed(request)


def repeated_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The submitted fields, in order, that the confirm step posts again (not the CSRF token: the
    page carries a fresh one)."""
    return [(name, value) for name, values in request.POST.lists() for value in values if name not in _NOT_REPEATED]


def ask_first(
    request: HttpRequest,
    *,
    question: Text,
    detail: Text,
    back_url: str | None,
    facts: Sequence[tuple[Text, Text]] = (),
    back_anchor: str = "",
) -> HttpResponse | None:
    """None when the request carries the confirmation; otherwise the confirm step page, and nothing
    has changed.

    ``question`` is the page's heading ("End this consultation?"); ``detail`` says what will happen
    and what cannot be undone. ``facts`` are a few labelled values of what was chosen (a recipient,
    a number of days), never personal data. ``back_url`` is where 「戻る」 leads (a page whose form
    was short); with ``None``, 「戻る」 posts the entries back to the same view, which sees
    ``went_back(request)`` and shows its form filled in again (at ``back_anchor``).
    """
    if is_confirmed(request):
        return None
    context = {
        "question": question,
        "detail": detail,
        "facts": list(facts),
        "fields": repeated_fields(request),
        "action": request.path,
        "back_url": back_url,
        "back_action": request.path + (f"#{back_anchor}" if back_anchor else ""),
        "confirmed_field": CONFIRMED,
        "back_field": BACK,
    }
    return render(request, "includes/confirm_step.html", context)
