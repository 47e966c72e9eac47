"""The referral pages on the staff dashboard and navigation (tsunagu/accounts/doors.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tsunagu.accounts.doors import Door, Section
from tsunagu.referrals import access, selectors

DOORS = [
    Door(
        url_name="referrals:list",
        label=_("Referrals"),
        description=_("Referrals your organisation sent and received, and what is overdue."),
        allowed=access.may_use_referrals,
        section=Section.WORK,
        count=selectors.received_new_count,
        count_text=lambda n: ngettext("%(n)d new referral", "%(n)d new referrals", n) % {"n": n},
        in_navigation=True,
        order=50,
    ),
    Door(
        url_name="referrals:inbox",
        label=_("Inbox"),
        description=_("News about referrals: received, answered, overdue, consent withdrawn."),
        allowed=access.may_use_referrals,
        section=Section.WORK,
        count=selectors.unread_count,
        count_text=lambda n: ngettext("%(n)d unread", "%(n)d unread", n) % {"n": n},
        in_navigation=True,
        order=60,
    ),
    Door(
        url_name="referrals:people",
        label=_("People we support"),
        description=_("People your organisation supports directly, recorded with their consent, to refer on."),
        allowed=access.may_send,
        section=Section.WORK,
        order=70,
    ),
    Door(
        url_name="referrals:ledger",
        label=_("Provision ledger"),
        description=_("Every provision of personal data to or from your organisation (APPI), and its exports."),
        allowed=access.may_view_ledger,
        section=Section.WORK,
        in_navigation=True,
        order=80,
    ),
]
