"""Reading a confirm step page (tsunagu/core/confirm.py) as a browser without JavaScript would, and
pressing one of its buttons: the tests of each app's irreversible actions use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class ConfirmStep:
    heading: str = ""
    action: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # text → (name, value, formaction)
    back_link: str | None = None
    in_form: bool = False


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.step = ConfirmStep()
        self._in_h1 = False
        self._button: tuple[str, str, str] | None = None
        self._text = ""
        self._link: str | None = None
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "h1":
            self._in_h1 = True
        elif tag == "form" and "data-confirm-step" in a:
            self.found = self.step.in_form = True
            self.step.action = a.get("action", "")
        elif self.step.in_form and tag == "input" and a.get("type") == "hidden":
            self.step.fields.append((a["name"], a.get("value", "")))
        elif self.step.in_form and tag == "button":
            self._button = (a.get("name", ""), a.get("value", ""), a.get("formaction", ""))
            self._text = ""
        elif self.step.in_form and tag == "a":
            self._link = a.get("href")
            self._text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
        elif tag == "form":
            self.step.in_form = False
        elif tag == "button" and self._button is not None:
            self.step.buttons[self._text.strip()] = self._button
            self._button = None
        elif tag == "a" and self._link is not None:
            self.step.back_link = self._link
            self.step.buttons[self._text.strip()] = ("", "", "")
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.step.heading += data
        self._text += data


def read_confirm_step(html: str) -> ConfirmStep | None:
    """The confirm step of the page, or None when the page has none."""
    reader = _Reader()
    reader.feed(html)
    return reader.step if reader.found else None


def press(client: Any, step: ConfirmStep, text: str) -> Any:
    """Press the button labelled ``text`` (「確定する」 or 「戻る」): posts the page's hidden fields
    and the button's own name and value, to its formaction if it has one, as a browser does."""
    name, value, formaction = step.buttons[text]
    data: dict[str, list[str]] = {}
    for key, val in step.fields:
        data.setdefault(key, []).append(val)
    if name:
        data.setdefault(name, []).append(value)
    return client.post((formaction or step.action).split("#")[0], data)
