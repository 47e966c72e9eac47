"""The intake's pages on the staff dashboard and navigation (tsunagu/accounts/doors.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tsunagu.accounts.doors import Door, Section
from tsunagu.consultations import access, selectors

DOORS = [
    Door(
        url_name="consultations:queue",
        label=_("Shared consultation queue"),
        description=_("Chats, LINE messages and calls waiting to be answered; your conversations."),
        allowed=access.may_handle_consultations,
        section=Section.WORK,
        count=selectors.waiting_count,
        count_text=lambda n: ngettext("%(n)d waiting", "%(n)d waiting", n) % {"n": n},
        in_navigation=True,
        order=10,
    ),
    Door(
        url_name="consultations:call",
        label=_("Log a call"),
        description=_("A phone consultation, during or after the call."),
        allowed=access.may_handle_consultations,
        section=Section.WORK,
        order=20,
    ),
    Door(
        url_name="consultations:dashboard",
        label=_("Supervisor dashboard"),
        description=_("The queue, counsellors' load and open high-risk contacts, live."),
        allowed=access.may_supervise,
        section=Section.WORK,
        count=selectors.open_high_risk_count,
        count_text=lambda n: ngettext("%(n)d high-risk contact open", "%(n)d high-risk contacts open", n) % {"n": n},
        in_navigation=True,
        order=30,
    ),
    Door(
        url_name="consultations:alerts",
        label=_("Alerts"),
        description=_("High-risk contacts and handovers nobody joined: open until a supervisor acknowledges them."),
        allowed=access.may_supervise,
        section=Section.WORK,
        order=35,
    ),
    Door(
        url_name="consultations:settings",
        label=_("Intake settings (on-duty hours)"),
        description=_("Whether your organisation answers the shared queue, and when."),
        allowed=access.may_manage_desk,
        section=Section.ADMINISTRATION,
        order=40,
    ),
]
