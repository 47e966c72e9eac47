"""The audit trail for people: actions by label, ``detail`` as "key: value" lines, times in JST.

Pure functions over stored values (no database, no request), so the auditor's page and its CSV
export say the same thing in the same words. ``detail`` holds non-personal facts by design (field
names, counts, reasons, codes); it is still only ever shown as text built here, never via repr().

Known keys get a translated label; unknown keys are shown as they are stored. Lists join with "、"
in Japanese and ", " in English; an empty list, an empty string and null show "—"; booleans show
yes/no; a nested dict reads as "key: value" pairs. A long list of codes (``entries`` naming
hundreds of records) shows its first few and the count on the page; the CSV keeps the whole list
(``DetailLine.full``), so an auditor can still search it for one record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy

from tsunagu.audit.actions import detail_value
from tsunagu.audit.actions import label as action_label
from tsunagu.audit.actions import of as action_of
from tsunagu.audit.models import AuditEvent, Outcome
from tsunagu.core.spreadsheets import safe_cell

# The keys the code records (grep `detail=` in tsunagu/), each with what an auditor reads.
KEY_LABELS: Mapping[str, Promise] = {
    "action": pgettext_lazy("audit detail", "Action"),
    "active": pgettext_lazy("audit detail", "Active"),
    "actor": pgettext_lazy("audit detail", "Who"),
    "basis": pgettext_lazy("audit detail", "Basis"),
    "before": pgettext_lazy("audit detail", "Older than"),
    "bytes": pgettext_lazy("audit detail", "Bytes"),
    "caller_given": pgettext_lazy("audit detail", "Caller number given"),
    "changed": pgettext_lazy("audit detail", "Changed"),
    "channel": pgettext_lazy("audit detail", "Channel"),
    "checked": pgettext_lazy("audit detail", "Events checked"),
    "client": pgettext_lazy("audit detail", "Client (pseudonym of the day)"),
    "committed": pgettext_lazy("audit detail", "Committed"),
    "concerns": pgettext_lazy("audit detail", "Concerns"),
    "consent": pgettext_lazy("audit detail", "Consent"),
    "consultation": pgettext_lazy("audit detail", "Consultation"),
    "consultations": pgettext_lazy("audit detail", "Consultations"),
    "count": pgettext_lazy("audit detail", "Count"),
    "created": pgettext_lazy("audit detail", "Created"),
    "days": pgettext_lazy("audit detail", "Days"),
    "delivery": pgettext_lazy("audit detail", "Delivery"),
    "dry_run": pgettext_lazy("audit detail", "Check only"),
    "entries": pgettext_lazy("audit detail", "Entries"),
    "errors": pgettext_lazy("audit detail", "Errors"),
    "expires_on": pgettext_lazy("audit detail", "Expires on"),
    "external": pgettext_lazy("audit detail", "External"),
    "fields": pgettext_lazy("audit detail", "Fields"),
    "file_name": pgettext_lazy("audit detail", "File name"),
    "filters": pgettext_lazy("audit detail", "Filters"),
    "first_broken_seq": pgettext_lazy("audit detail", "First broken event"),
    "format": pgettext_lazy("audit detail", "Format"),
    "from": pgettext_lazy("audit detail", "From"),
    "hours": pgettext_lazy("audit detail", "Hours"),
    "imported": pgettext_lazy("audit detail", "Imported"),
    "items": pgettext_lazy("audit detail", "Items"),
    "level": pgettext_lazy("audit detail", "Level"),
    "locations": pgettext_lazy("audit detail", "Locations"),
    "messages": pgettext_lazy("audit detail", "Messages"),
    "method": pgettext_lazy("audit detail", "Method"),
    "ok": pgettext_lazy("audit detail", "Intact"),
    "organisation": pgettext_lazy("audit detail", "Organisation"),
    "organisations": pgettext_lazy("audit detail", "Organisations"),
    "other_recipient": pgettext_lazy("audit detail", "Other recipient"),
    "outcome": pgettext_lazy("audit detail", "Outcome"),
    "outcomes": pgettext_lazy("audit detail", "Outcomes"),
    "over_limit": pgettext_lazy("audit detail", "Over the limit (answered 429)"),
    "people": pgettext_lazy("audit detail", "People"),
    "person": pgettext_lazy("audit detail", "Person"),
    "primary": pgettext_lazy("audit detail", "Current key"),
    "provisions": pgettext_lazy("audit detail", "Provisions"),
    "purposes": pgettext_lazy("audit detail", "Purposes"),
    "reading": pgettext_lazy("audit detail", "Reading"),
    "reason": pgettext_lazy("audit detail", "Reason"),
    "recipients": pgettext_lazy("audit detail", "Recipients"),
    "records": pgettext_lazy("audit detail", "Records"),
    "referral": pgettext_lazy("audit detail", "Referral"),
    "referrals": pgettext_lazy("audit detail", "Referrals"),
    "risk_flag": pgettext_lazy("audit detail", "Risk flag"),
    "risk_level": pgettext_lazy("audit detail", "Risk level"),
    "role": pgettext_lazy("audit detail", "Role"),
    "rows": pgettext_lazy("audit detail", "Rows"),
    "rows_read": pgettext_lazy("audit detail", "Rows read"),
    "second_factor": pgettext_lazy("audit detail", "Second factor"),
    "sender": pgettext_lazy("audit detail", "Sender"),
    "seq": pgettext_lazy("audit detail", "Number"),
    "services": pgettext_lazy("audit detail", "Services"),
    "side": pgettext_lazy("audit detail", "Side"),
    "since": pgettext_lazy("audit detail", "From date"),
    "skip_invalid": pgettext_lazy("audit detail", "Skip invalid rows"),
    "skipped": pgettext_lazy("audit detail", "Skipped"),
    "source": pgettext_lazy("audit detail", "Source"),
    "status": pgettext_lazy("audit detail", "Status"),
    "step": pgettext_lazy("audit detail", "Step"),
    "surface": pgettext_lazy("audit detail", "Written form"),
    "target": pgettext_lazy("audit detail", "Target code"),
    "to": pgettext_lazy("audit detail", "To"),
    "to_organisation": pgettext_lazy("audit detail", "To organisation"),
    "to_user": pgettext_lazy("audit detail", "To staff member"),
    "unchanged": pgettext_lazy("audit detail", "Unchanged"),
    "until": pgettext_lazy("audit detail", "To date"),
    "updated": pgettext_lazy("audit detail", "Updated"),
    "user": pgettext_lazy("audit detail", "User"),
    "via": pgettext_lazy("audit detail", "Via"),
    "warnings": pgettext_lazy("audit detail", "Warnings"),
    "what": pgettext_lazy("audit detail", "What"),
    "withdrawals": pgettext_lazy("audit detail", "Withdrawal entries"),
}

# A list of codes longer than this shows its first CODES_SHOWN and the count; any other list, ITEMS_SHOWN.
CODES_SHOWN = 3
ITEMS_SHOWN = 10

_CODE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


@dataclass(frozen=True)
class DetailLine:
    """One "key: value" line of an event's detail."""

    key: str  # as stored
    label: str  # translated, or the key itself when unknown
    value: str  # readable; a long list shortened
    full: str = ""  # the whole value when ``value`` is shortened, else empty

    @property
    def text(self) -> str:
        return f"{self.label}{key_separator()}{self.value}" if self.label else self.value


# --- language-dependent punctuation -------------------------------------------------------------


def _japanese() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0] == "ja"


def _list_separator() -> str:
    return "、" if _japanese() else ", "


def key_separator() -> str:
    return "：" if _japanese() else ": "


def _line_separator() -> str:
    return "／" if _japanese() else "; "


# --- codes and keys -----------------------------------------------------------------------------


def is_code(value: object) -> bool:
    """A UUID code (records, organisations, people): clipped on the page, whole in the markup and the CSV."""
    return isinstance(value, str) and _CODE.fullmatch(value) is not None


def key_label(key: str) -> str:
    known = KEY_LABELS.get(key)
    return str(known) if known is not None else key


# --- values -------------------------------------------------------------------------------------


def _number(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"


def _scalar(value: object, *, key: str = "", of: str = "") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):  # before int: True is an int
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int | float):
        return detail_value(key, str(value), of=of) or _number(value)  # a risk level is stored as a number
    if isinstance(value, str):
        if key == "action" and action_of(value) is not None:
            return action_label(value)
        if key == "outcome":
            return outcome_text(value)
        return _code_text(value, key=key, of=of)
    return str(value)


def _code_text(value: str, *, key: str, of: str) -> str:
    """A stored code in words where an app labels it; a code with a qualifier
    (``missing_permission:audit.view``) in words with the qualifier kept; else as stored."""
    known = detail_value(key, value, of=of)
    if known is not None:
        return known
    head, colon, rest = value.partition(":")
    known = detail_value(key, head, of=of) if colon else None
    if known is None:
        return value
    return f"{known}（{rest}）" if _japanese() else f"{known} ({rest})"


def _shorten(items: list[str], *, codes: bool) -> str | None:
    """The first few items and the count, or None when the list is short enough to show whole."""
    limit = CODES_SHOWN if codes else ITEMS_SHOWN
    if len(items) <= limit:
        return None
    shown = _list_separator().join(items[:limit])
    return gettext("%(shown)s … (%(count)s in all)") % {"shown": shown, "count": _number(len(items))}


def _value(value: object, *, key: str = "", of: str = "", depth: int = 0) -> tuple[str, str]:
    """(readable value, whole value if the readable one was shortened else ""); ``of`` is the
    event's target type, for codes that mean different things on different records."""
    if isinstance(value, Mapping):
        if not value:
            return "—", ""
        ordered = sorted(value.items(), key=lambda item: str(item[0]))
        parts = [(key_label(str(k)), _value(v, key=str(k), of=of, depth=depth + 1)) for k, v in ordered]
        text = _list_separator().join(f"{label}{key_separator()}{shown}" for label, (shown, _full) in parts)
        whole = _list_separator().join(f"{label}{key_separator()}{full or shown}" for label, (shown, full) in parts)
        text = f"({text})" if depth else text
        whole = f"({whole})" if depth else whole
        return text, (whole if whole != text else "")
    if isinstance(value, list | tuple):
        if not value:
            return "—", ""
        items = [_value(item, key=key, of=of, depth=depth + 1) for item in value]
        whole_items = [full or shown for shown, full in items]
        whole = _list_separator().join(whole_items)
        short = _shorten([shown for shown, _full in items], codes=all(is_code(item) for item in value))
        if short is not None:
            return short, whole
        text = _list_separator().join(shown for shown, _full in items)
        return text, (whole if whole != text else "")
    return _scalar(value, key=key, of=of), ""


def detail_lines(detail: object, *, of: str = "") -> list[DetailLine]:
    """``detail`` as "key: value" lines, by key: PostgreSQL's jsonb does not keep the order the code
    recorded, so the same row reads the same on both databases only in an order of our own."""
    if isinstance(detail, Mapping):
        lines = []
        for key, raw in sorted(detail.items(), key=lambda item: str(item[0])):
            shown, full = _value(raw, key=str(key), of=of)
            lines.append(DetailLine(key=str(key), label=key_label(str(key)), value=shown, full=full))
        return lines
    if detail is None or detail == "" or detail == [] or detail == {}:
        return []
    shown, full = _value(detail, of=of)
    return [DetailLine(key="", label="", value=shown, full=full)]


def detail_text(detail: object, *, of: str = "", whole: bool = True) -> str:
    """``detail`` on one line (the CSV's cell): every list in full unless ``whole`` is False."""
    parts = []
    for line in detail_lines(detail, of=of):
        value = (line.full or line.value) if whole else line.value
        parts.append(f"{line.label}{key_separator()}{value}" if line.label else value)
    return _line_separator().join(parts)


# --- times --------------------------------------------------------------------------------------


def local_time(value: datetime) -> datetime:
    """In the installation's time zone (settings.TIME_ZONE, Asia/Tokyo), whatever is active."""
    return timezone.localtime(value, timezone.get_default_timezone())


def time_text(value: datetime) -> str:
    """``2026年12月7日 23:40:05`` in Japanese, ``7 Dec 2026 23:40:05`` in English."""
    return dateformat.format(local_time(value), "Y年n月j日 H:i:s" if _japanese() else "j M Y H:i:s")


def time_iso(value: datetime) -> str:
    """ISO 8601 with the offset (``2026-12-07T23:40:05+09:00``), for machines."""
    return local_time(value).isoformat(timespec="seconds")


# --- events -------------------------------------------------------------------------------------


def actor_text(event: AuditEvent) -> str:
    if event.actor_code is None and event.actor_label == "anonymous":
        return gettext("not signed in")
    return event.actor_label


def outcome_text(outcome: str) -> str:
    return str(Outcome(outcome).label) if outcome in Outcome.values else outcome


@dataclass(frozen=True)
class ShownEvent:
    """What a row of the auditor's page shows."""

    event: AuditEvent
    action: str  # the label
    actor: str  # the username, or "not signed in" for the anonymous (a resident in the chat, a visitor)
    target_type: str  # the label, or the stored code when no app names it
    time: str
    time_iso: str
    outcome: str
    organisation: str  # the acting organisation's name, or "" when unknown or none
    target_is_code: bool  # a UUID: shortened on the page, whole in the markup and the CSV
    detail: list[DetailLine]


def shown(event: AuditEvent, *, organisation_names: Mapping[str, str]) -> ShownEvent:
    return ShownEvent(
        event=event,
        action=action_label(event.action),
        actor=actor_text(event),
        target_type=detail_value("target_type", event.target_type) or event.target_type,
        time=time_text(event.occurred_at),
        time_iso=time_iso(event.occurred_at),
        outcome=outcome_text(event.outcome),
        organisation=organisation_names.get(str(event.org_code), "") if event.org_code else "",
        target_is_code=is_code(event.target_code),
        detail=detail_lines(event.detail, of=event.target_type),
    )


def csv_header() -> list[str]:
    return [
        gettext("Event no."),
        gettext("Time (JST)"),
        gettext("Who"),
        gettext("Organisation code"),
        gettext("Action"),
        gettext("Action code"),
        gettext("Target type"),
        gettext("Target code"),
        gettext("Outcome"),
        gettext("Address"),
        gettext("Request ID"),
        gettext("Detail"),
    ]


def csv_row(event: AuditEvent) -> list[str]:
    cells = [
        str(event.seq),
        time_iso(event.occurred_at),
        event.actor_label,
        str(event.org_code) if event.org_code else "",
        action_label(event.action),
        event.action,
        event.target_type,
        event.target_code,
        outcome_text(event.outcome),
        event.ip or "",
        event.request_id,
        detail_text(event.detail, of=event.target_type),
    ]
    return [safe_cell(cell) for cell in cells]
