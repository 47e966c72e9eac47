"""What a result card shows (``portal/_card.html``), from the directory's ``ServiceCard``.

Every list of the portal renders its services through this, so a card says the same things
everywhere: what they help with, how to reach them, today's hours and whether they are open now,
cost and languages. Cards carry no address (``ServiceCard`` has none), so a confidential location
cannot show through a list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tsunagu.directory.schedules.describe import hours_separator
from tsunagu.directory.search.cards import CardPhone, ServiceCard
from tsunagu.portal import selectors

#: Fees, in the same words as the directory (models.Fees), without reading its models.
FEES = {
    "free": _("Free"),
    "paid": _("Paid"),
    "partly_paid": _("Free and paid options"),
    "unknown": _("Not stated"),
}
#: Channels that are reached through the service's web site (a chat window, a LINE account).
WEB_CHANNELS = ("line", "chat", "email", "online-meeting")
#: Phone types that can be called.
CALLABLE = ("voice", "cell", "textphone", "video", "")
PHONE_TYPES = {
    "text": _("Text message (SMS)"),
    "fax": _("Fax"),
}


@dataclass(frozen=True)
class Phone:
    number: str
    dial: str  # for tel: (digits and +)
    extension: str
    note: str
    callable: bool
    type_label: str


@dataclass(frozen=True)
class Card:
    card: ServiceCard
    state: str  # "open", "closed", "unknown"
    today: str  # today's hours in words ("9:00–17:00", "24 hours"), "" when unknown
    today_text: str  # the published text when it could not be read
    concerns: list[str]
    channels: list[str]
    web_channels: list[str]  # channel labels reached through the web site
    phones: list[Phone]
    fees: str
    fees_description: str
    languages: list[str]


def _clock(minute: int) -> str:
    return f"{minute // 60}:{minute % 60:02d}"


def hours_today(card: ServiceCard, day: dt.date) -> str:
    intervals = card.open_minutes_on(day)
    if intervals == ((0, 1440),):
        return str(_("Open 24 hours"))
    separator = hours_separator(get_language() or "ja")
    return separator.join(f"{_clock(start)}–{_clock(end)}" for start, end in intervals)


def dial(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def _phone(phone: CardPhone) -> Phone:
    return Phone(
        number=phone.number,
        dial=dial(phone.number),
        extension=phone.extension,
        note=phone.description,
        callable=phone.type in CALLABLE,
        type_label=str(PHONE_TYPES.get(phone.type, "")),
    )


def card_view(card: ServiceCard, at: dt.datetime) -> Card:
    day = selectors.today_of(at)
    understood = card.hours_understood(day)
    if understood:
        state = "open" if card.open_at(at) else "closed"
        today = hours_today(card, day)
        text = ""
    else:
        state, today = "unknown", ""
        text = "、".join(card.hours_texts(day))
    channels = card.terms_of("channel")
    return Card(
        card=card,
        state=state,
        today=today,
        today_text=text,
        concerns=[selectors.term_label(t.name, t.name_en) for t in card.terms_of("concern")],
        channels=[selectors.term_label(t.name, t.name_en) for t in channels],
        web_channels=[selectors.term_label(t.name, t.name_en) for t in channels if t.key in WEB_CHANNELS],
        phones=[_phone(p) for p in card.phones],
        fees=str(FEES.get(card.fees, FEES["unknown"])),
        fees_description=card.fees_description,
        languages=[selectors.language_name(tag) for tag in card.languages],
    )


def card_views(cards: list[ServiceCard], at: dt.datetime) -> list[Card]:
    return [card_view(card, at) for card in cards]
