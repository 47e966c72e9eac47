"""孤独感セルフチェック: the two loneliness measures of the national survey 人々のつながりに関する基礎調査.

- The direct question (直接質問), five answers from 決してない (1) to しばしばある・常にある (5).
- The Japanese 3-item UCLA loneliness scale (間接質問), four answers each from 決してない (1) to
  常にある (4); the total runs from 3 to 12. The survey's reports group totals as 10–12 (常にある),
  7–9 (時々ある), 4–6 (ほとんどない) and 3 (決してない).

Sources and wording: docs/portal.md. The page is a read-only POST form (``csrf_exempt``: it changes
nothing, and a CSRF token would need a cookie); the answers stay in the request: nothing is stored,
logged or put in a URL, and no cookie is set. Every answer may be left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tsunagu.core.bounds import bounded_int

DIRECT_QUESTION: Promise = _("How often do you feel lonely?")
DIRECT_ANSWERS: tuple[tuple[int, Promise], ...] = (
    (1, pgettext_lazy("self-check answer", "Never")),
    (2, pgettext_lazy("self-check answer", "Hardly ever")),
    (3, pgettext_lazy("self-check answer", "Occasionally")),
    (4, pgettext_lazy("self-check answer", "Sometimes")),
    (5, pgettext_lazy("self-check answer", "Often or always")),
)
SCALE_QUESTIONS: tuple[tuple[str, Promise], ...] = (
    ("companionship", _("How often do you feel that you lack companionship?")),
    ("left_out", _("How often do you feel left out?")),
    ("isolated", _("How often do you feel isolated from others?")),
)
SCALE_ANSWERS: tuple[tuple[int, Promise], ...] = (
    (1, pgettext_lazy("self-check answer", "Never")),
    (2, pgettext_lazy("self-check answer", "Hardly ever")),
    (3, pgettext_lazy("self-check answer", "Sometimes")),
    (4, pgettext_lazy("self-check answer", "Always")),
)
SCALE_MIN, SCALE_MAX = 3, 12


class Level(StrEnum):
    """How the answers read, in the survey's own bands (never a diagnosis)."""

    RARELY = "rarely"  # direct 1–2 and/or scale 3–6
    SOMETIMES = "sometimes"  # direct 3–4 and/or scale 7–9
    OFTEN = "often"  # direct 5 and/or scale 10–12, or any single scale answer 常にある


@dataclass(frozen=True)
class Answers:
    direct: int | None
    scale: dict[str, int]

    @property
    def complete_scale(self) -> bool:
        return len(self.scale) == len(SCALE_QUESTIONS)

    @property
    def total(self) -> int | None:
        """The UCLA total (3–12), only when all three were answered."""
        return sum(self.scale.values()) if self.complete_scale else None

    @property
    def empty(self) -> bool:
        return self.direct is None and not self.scale

    @property
    def strong(self) -> bool:
        """Any answer at the top of its scale: the talk-now door comes first."""
        return self.direct == 5 or any(value == 4 for value in self.scale.values())


def _choice(value: str | None, allowed: range) -> int | None:
    return bounded_int(value, low=allowed.start, high=allowed.stop - 1)


def answers_from(data: Mapping[str, Any]) -> Answers:
    """The answers of a submitted form (a QueryDict); anything missing or not an option counts as skipped."""
    direct = _choice(data.get("direct"), range(1, 6))
    scale = {key: value for key, _text in SCALE_QUESTIONS if (value := _choice(data.get(key), range(1, 5))) is not None}
    return Answers(direct=direct, scale=scale)


def level_of(answers: Answers) -> Level:
    levels = []
    if answers.direct is not None:
        levels.append(Level.RARELY if answers.direct <= 2 else Level.SOMETIMES if answers.direct <= 4 else Level.OFTEN)
    if answers.total is not None:
        total = answers.total
        levels.append(Level.RARELY if total <= 6 else Level.SOMETIMES if total <= 9 else Level.OFTEN)
    elif answers.scale:
        # Some of the three answered: no total, but their mean says which band they lean to.
        mean = sum(answers.scale.values()) / len(answers.scale)
        levels.append(Level.RARELY if mean <= 2 else Level.SOMETIMES if mean < 3.5 else Level.OFTEN)
    if answers.strong:
        levels.append(Level.OFTEN)
    order = [Level.RARELY, Level.SOMETIMES, Level.OFTEN]
    return max(levels, key=order.index) if levels else Level.RARELY


#: The doors in the order each level shows them; "now" (いま、話を聞いてほしい) first when feelings are strong.
DOOR_ORDER: dict[Level, tuple[str, ...]] = {
    Level.RARELY: ("places", "worried", "finder", "now"),
    Level.SOMETIMES: ("places", "now", "finder", "worried"),
    Level.OFTEN: ("now", "finder", "places", "worried"),
}
#: The home page's four doors, with the same words (portal/home.html), so each reads the same everywhere.
DOORS: dict[str, tuple[Promise, Promise]] = {
    "now": (
        _("I want someone to listen, now"),
        _("Phone lines and chats you can reach right now, 24-hour lines first"),
    ),
    "finder": (
        _("I want to talk about a problem"),
        _("Answer a few questions, then see who can help (every question can be skipped)"),
    ),
    "places": (
        _("I am looking for a place to belong and connect"),
        _("Places to belong, children's cafeterias, salons and local gathering places"),
    ),
    "worried": (
        _("When you are worried about someone"),
        _("How to notice, how to speak to them, where to call"),
    ),
}


def doors_for(level: Level) -> list[dict[str, object]]:
    return [
        {"key": key, "url_name": f"portal:{key}", "title": DOORS[key][0], "text": DOORS[key][1]}
        for key in DOOR_ORDER[level]
    ]


def questions(answers: Answers) -> list[dict[str, object]]:
    """The four questions as the template shows them, with the person's earlier choices checked."""
    chosen = {"direct": answers.direct, **answers.scale}
    items: list[tuple[str, Promise, tuple[tuple[int, Promise], ...]]] = [("direct", DIRECT_QUESTION, DIRECT_ANSWERS)]
    items += [(key, text, SCALE_ANSWERS) for key, text in SCALE_QUESTIONS]
    return [
        {
            "name": name,
            "number": number,
            "text": text,
            "options": [
                {"value": value, "label": label, "checked": chosen.get(name) == value} for value, label in options
            ],
        }
        for number, (name, text, options) in enumerate(items, start=1)
    ]


@csrf_exempt  # read-only: the answers only shape this response (docs/portal.md)
@require_http_methods(["GET", "POST"])
def selfcheck_view(request: HttpRequest) -> HttpResponse:
    answers = answers_from(request.POST) if request.method == "POST" else Answers(direct=None, scale={})
    context: dict[str, object] = {"questions": questions(answers), "submitted": request.method == "POST"}
    if request.method == "POST":
        if answers.empty:
            context["nothing_chosen"] = True
        else:
            level = level_of(answers)
            context.update(
                level=str(level),
                strong=answers.strong,
                total=answers.total,
                scale_min=SCALE_MIN,
                scale_max=SCALE_MAX,
                doors=doors_for(level),
            )
    return render(request, "portal/selfcheck.html", context)
