"""The guided finder (/find/): four gentle questions, each skippable, then results.

Each step is a POST form carrying the earlier answers as hidden fields, so answers never appear in
a URL, a browser history entry or a server log, and no cookie or session is needed. The forms only
read, so they are exempt from CSRF (a token would need a cookie). Works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tsunagu.portal import selectors
from tsunagu.portal.forms import FINDER_CHANNEL_LABELS, FINDER_STEPS, FOR_WHOM, FinderForm
from tsunagu.portal.views.cards import card_views

#: How many 24-hour lines the "nothing here fits?" section names.
TALK_NOW = 3


@dataclass(frozen=True)
class Answers:
    concerns: tuple[str, ...] = ()
    for_whom: str = ""
    where: str = ""
    area: str = ""  # the place's JIS code once the "where" step accepted it
    channels: tuple[str, ...] = ()

    def hidden(self, *, leave_out: str = "") -> list[tuple[str, str]]:
        """The answers as hidden fields, except those the step ``leave_out`` shows as inputs."""
        fields: list[tuple[str, str]] = []
        if leave_out != "concerns":
            fields += [("concerns", key) for key in self.concerns]
        if leave_out != "whom" and self.for_whom:
            fields.append(("for_whom", self.for_whom))
        if leave_out != "where":
            if self.where:
                fields.append(("where", self.where))
            if self.area:
                fields.append(("area", self.area))
        if leave_out != "channel":
            fields += [("channels", key) for key in self.channels]
        return fields

    def without(self, step: str) -> Answers:
        cleared: dict[str, dict[str, Any]] = {
            "concerns": {"concerns": ()},
            "whom": {"for_whom": ""},
            "where": {"where": "", "area": ""},
            "channel": {"channels": ()},
        }
        return replace(self, **cleared[step])


def place_problem(answer: selectors.PlaceAnswer) -> str:
    if answer.problem == "postal_code":
        code = answer.postal_code
        return _(
            "We could not find the postal code 〒%(code)s. Please check it, type the name of your town "
            "(for example 鳥取市), or skip this question."
        ) % {"code": f"{code[:3]}-{code[3:]}"}
    if answer.problem == "ambiguous":
        return _("There are several places with this name: %(names)s. Please type one of them as written here.") % {
            "names": "、".join(answer.candidates)
        }
    if answer.problem == "several":
        return _("Please type just one place.")
    return _(
        "We could not find this place. Type a postal code (for example 680-0000) or the name of a city, "
        "town or village (for example 鳥取市), or skip this question."
    )


def _step_page(
    request: HttpRequest, *, step: str, answers: Answers, concerns: list[selectors.Choice], error: str = ""
) -> HttpResponse:
    index = FINDER_STEPS.index(step)
    context = {
        "step": step,
        "number": index + 1,
        "steps": len(FINDER_STEPS),
        "answers": answers,
        "hidden": answers.hidden(leave_out=step),
        "concern_choices": concerns,
        "whom_choices": list(FOR_WHOM.items()),
        "channel_choices": list(FINDER_CHANNEL_LABELS.items()),
        "error": error,
    }
    return render(request, "portal/finder.html", context, status=400 if error else 200)


def _labels(keys: tuple[str, ...], choices: list[selectors.Choice] | dict[str, Any]) -> list[str]:
    table = {c.key: c.label for c in choices} if isinstance(choices, list) else choices
    return [str(table[key]) for key in keys if key in table]


def _results_page(request: HttpRequest, *, answers: Answers, concerns: list[selectors.Choice]) -> HttpResponse:
    place = selectors.place_get(answers.area) if answers.area else None
    at = selectors.now()
    query = selectors.FinderQuery(
        concerns=answers.concerns,
        area_code=place.code if place is not None else "",
        channels=answers.channels,
    )
    results = selectors.finder_results(query=query, at=at)
    more_fields = [("concern", key) for key in answers.concerns]
    more_fields += [("channel", term) for term in query.channel_terms()]
    if answers.where and place is not None:
        more_fields.append(("where", answers.where))
    context = {
        "answers": answers,
        "hidden": answers.hidden(),
        "more_fields": more_fields,
        "place": place,
        "concern_labels": _labels(answers.concerns, concerns),
        "whom_label": FOR_WHOM.get(answers.for_whom, ""),
        "channel_labels": _labels(answers.channels, FINDER_CHANNEL_LABELS),
        "results": results,
        "open_now": card_views(results.open_now, at),
        "lines": card_views(results.lines, at),
        "later": card_views(results.later, at),
        "talk_now": card_views(selectors.twenty_four_hour_lines(at=at)[:TALK_NOW], at),
        "widened_channel": "channel" in results.widened,
        "widened_area": "area" in results.widened,
        "now": at,
    }
    return render(request, "portal/results.html", context)


@csrf_exempt  # read-only: answers are carried in the POST body, never stored (docs/portal.md)
@require_http_methods(["GET", "POST"])
def finder_view(request: HttpRequest) -> HttpResponse:
    concerns = selectors.term_choices().get("concern", [])
    if request.method == "GET":
        return _step_page(request, step=FINDER_STEPS[0], answers=Answers(), concerns=concerns)
    form = FinderForm(request.POST, concerns=concerns)
    form.is_valid()  # every field is lenient: nothing here can make it invalid
    data = form.cleaned_data
    answers = Answers(
        concerns=tuple(data.get("concerns", ())),
        for_whom=data.get("for_whom", ""),
        where=data.get("where", ""),
        area=data.get("area", ""),
        channels=tuple(data.get("channels", ())),
    )
    step = data.get("step") or FINDER_STEPS[0]
    action = data.get("action") or "next"
    position = len(FINDER_STEPS) if step == "results" else FINDER_STEPS.index(step)
    if action == "back":
        return _step_page(request, step=FINDER_STEPS[max(position - 1, 0)], answers=answers, concerns=concerns)
    if step == "results":  # pressed "next" on the results page: show them again
        return _results_page(request, answers=answers, concerns=concerns)
    if action == "skip":
        answers = answers.without(step)
    elif step == "where":
        if answers.where:
            found = selectors.place_from_input(answers.where)
            if found.place is None:
                return _step_page(
                    request,
                    step=step,
                    answers=replace(answers, area=""),
                    concerns=concerns,
                    error=place_problem(found),
                )
            answers = replace(answers, area=found.place.code)
        else:
            answers = answers.without("where")
    if position + 1 < len(FINDER_STEPS):
        return _step_page(request, step=FINDER_STEPS[position + 1], answers=answers, concerns=concerns)
    return _results_page(request, answers=answers, concerns=concerns)
