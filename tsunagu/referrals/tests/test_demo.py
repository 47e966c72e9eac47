"""`make run`'s demo referral: made through the real services, once, and refused in production."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tsunagu.referrals.models import Provision, Referral, ReferralStatus

pytestmark = pytest.mark.django_db


def test_the_demo_referral_is_sent_once_with_its_ledger_entry(settings):
    for command in ("seed_demo", "seed_consultation_demo"):
        call_command(command, stdout=StringIO())
    out = StringIO()
    call_command("seed_referral_demo", stdout=out)
    assert "one sent" in out.getvalue()
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and referral.to_organisation is not None
    assert referral.to_organisation.name == "鳥取市社会福祉協議会（デモ）"
    assert sorted(referral.items) == ["concerns", "phone"]
    assert Provision.objects.filter(referral=referral).count() == 1
    call_command("seed_referral_demo", stdout=out)
    assert "already there" in out.getvalue() and Referral.objects.count() == 1
    settings.TSUNAGU_DEMO = False
    with pytest.raises(CommandError):
        call_command("seed_referral_demo", stdout=out)
