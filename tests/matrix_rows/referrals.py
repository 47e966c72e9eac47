"""Authorisation matrix rows: referrals and the provision ledger (docs/referrals.md, "Access").

Counsellors, supervisors and support workers refer (``referral.send``) from consultations they
handle; support workers and supervisors receive (``referral.receive``) what is sent to their
organisation; supervisors approve sharing without consent; supervisors and organisation
administrators read the ledger. A referral is visible to the sending and receiving organisations
only (404 for anyone else); the recipient never sees a draft. The person's withdrawal page needs no
login.
"""

from __future__ import annotations

from typing import Any

from tests.matrix import UNKNOWN, Row, everyone, staff
from tsunagu.accounts.tests.personas import World

SENDERS = ("counsellor_a", "supervisor_a")


def senders(outcome: int | str, **overrides: int | str) -> dict[str, int | str]:
    """Rows for A's handlers; B's support worker may refer too, but not from A's consultation (404)."""
    return staff(403, **{**dict.fromkeys(SENDERS, outcome), "support_worker_b": 404, **overrides})


def ledger(outcome: int | str, **overrides: int | str) -> dict[str, int | str]:
    return staff(403, **{"supervisor_a": outcome, "org_admin_d": outcome, **overrides})


def _case(w: World) -> Any:
    from tsunagu.referrals.tests.referral_data import make_case

    return make_case(w)


def _consultation(w: World) -> dict[str, Any]:
    return {"code": _case(w).consultation.code}


def _consent(w: World) -> dict[str, Any]:
    from tsunagu.referrals.tests.referral_data import consent_for

    return {"code": consent_for(_case(w)).consent.code}


def _sent(w: World) -> dict[str, Any]:
    from tsunagu.referrals.tests.referral_data import consent_for, send

    case = _case(w)
    return {"code": send(case, consent_for(case).consent).code}


def _person(w: World) -> dict[str, Any]:
    from tsunagu.referrals.tests.referral_data import consent_for, send

    case = _case(w)
    send(case, consent_for(case).consent)
    return {"code": case.person.code}


def _draft(w: World) -> dict[str, Any]:
    from tsunagu.referrals import services
    from tsunagu.referrals.tests.referral_data import consent_for, referral_data

    case = _case(w)
    consent_for(case)
    draft = services.referral_create(
        actor=case.actor("counsellor_a"),
        consultation=case.consultation,
        data=referral_data(case),
        key="draft",
        consent_code=None,
        send=False,
    )
    return {"code": draft.code}


def _awaiting(w: World) -> dict[str, Any]:
    from django.utils import timezone

    from tsunagu.referrals import services
    from tsunagu.referrals.models import LegalBasis, Referral

    code = _draft(w)["code"]
    referral = Referral.objects.get(code=code)
    services.exception_request(
        actor=_actor(w, "counsellor_a"),
        referral=referral,
        version=referral.version,
        legal_basis=LegalBasis.LIFE_BODY,
        justification="意識がなく同意を得られない。生命の危険があり、地域の支援機関の訪問が必要。",
        reauthenticated_at=timezone.now(),
    )
    return {"code": code}


def _actor(w: World, persona: str) -> Any:
    from tsunagu.accounts.policy import Actor, Role

    return Actor(user=w.users[persona], organisation=w.organisations["A"], roles=frozenset({Role.COUNSELLOR}))


def _latest_consent(w: World) -> dict[str, Any]:
    from tsunagu.referrals.models import Consent, Referral

    return {"version": Referral.objects.latest("id").version, "consent": str(Consent.objects.latest("id").code)}


def _sent_version(w: World) -> dict[str, Any]:
    from tsunagu.referrals.models import Referral

    return {"version": Referral.objects.latest("id").version}


ROWS: list[Row] = [
    Row("referrals:list", staff(403, counsellor_a=200, supervisor_a=200, support_worker_b=200)),
    Row("referrals:inbox", staff(200)),
    Row("referrals:new", senders(200), kwargs=_consultation),
    Row("referrals:new", senders(404), kwargs=UNKNOWN, label="unknown"),
    # Bad input (no form key): the page comes back with its errors, nothing created.
    Row("referrals:new", senders(400), method="post", kwargs=_consultation, label="bad input"),
    Row("referrals:consent", senders(400), method="post", kwargs=_consultation, label="bad input"),
    Row("referrals:consent_withdraw", senders(302), method="post", kwargs=_consent),
    Row("referrals:consent_withdraw", senders(404), method="post", kwargs=UNKNOWN, label="unknown"),
    # Sending the withdrawal code into the conversation: a wrong code is refused with a message.
    Row(
        "referrals:consent_send_code",
        senders(302, supervisor_a=403),
        method="post",
        kwargs=_consent,
        data=lambda w: {"code": "XXXX-XXXX-XXXX"},
    ),
    Row("referrals:consent_send_code", senders(404), method="post", kwargs=UNKNOWN, label="unknown"),
    Row("referrals:detail", staff(404, counsellor_a=200, supervisor_a=200, support_worker_b=200), kwargs=_sent),
    Row("referrals:detail", staff(404, counsellor_a=200, supervisor_a=200), kwargs=_draft, label="draft"),
    Row("referrals:detail", staff(404), kwargs=UNKNOWN, label="unknown"),
    Row(
        "referrals:send",
        senders(302),
        method="post",
        kwargs=_draft,
        data=lambda w: {**_latest_consent(w), "confirmed": "1"},
    ),
    # Sending and withdrawing ask first (tsunagu/core/confirm.py): without confirmed=1 the sender gets
    # the confirm step page and nothing changes; everyone else the same refusal as for the action.
    Row("referrals:send", senders(200), method="post", kwargs=_draft, data=_latest_consent, label="confirm step"),
    Row(
        "referrals:withdraw",
        staff(403, counsellor_a=200, supervisor_a=200),
        method="post",
        kwargs=_sent,
        data=_sent_version,
        label="confirm step",
    ),
    # Only the recipient answers; the sender's side is refused by the service (403, audited).
    Row(
        "referrals:respond",
        staff(404, counsellor_a=403, supervisor_a=403, support_worker_b=302),
        method="post",
        kwargs=_sent,
        data=lambda w: {"respond-version": _sent_version(w)["version"], "respond-step": "accept"},
    ),
    Row(
        "referrals:withdraw",
        staff(403, counsellor_a=302, supervisor_a=302),
        method="post",
        kwargs=_sent,
        data=lambda w: {**_sent_version(w), "confirmed": "1"},
    ),
    # The recipient knows the referral but the printable sheet is the sender's: 403, not 404
    # (docs/architecture.md, "404 or 403").
    Row("referrals:sheet", senders(200, support_worker_b=403), kwargs=_sent),
    Row("referrals:exception", senders(200), kwargs=_draft),
    Row("referrals:exception", senders(400), method="post", kwargs=_draft, label="bad input"),
    # The second person: a supervisor of the sending organisation, not the one who asked.
    Row(
        "referrals:decide",
        staff(403, supervisor_a=302),
        method="post",
        kwargs=_awaiting,
        data=lambda w: {"decide-decision": "approve"},
    ),
    Row("referrals:ledger", ledger(200)),
    Row("referrals:ledger", ledger(200), method="post", data=lambda w: {"phone": "090-1234-5678"}, label="search"),
    Row("referrals:exceptions", ledger(200)),
    Row("referrals:ledger_person", ledger(200, org_admin_d=404), kwargs=_person),
    Row("referrals:ledger_person", ledger(404), kwargs=UNKNOWN, label="unknown"),
    Row("referrals:ledger_csv", ledger(200, org_admin_d=404), kwargs=_person),
    Row("referrals:ledger_pdf", ledger(200, org_admin_d=404), kwargs=_person),
    Row("consent_withdraw", everyone(200)),
    # An empty code is bad input: 400, nothing changed and nothing audited.
    Row("consent_withdraw", everyone(400), method="post", label="bad input"),
]


def _direct_person(w: World) -> dict[str, Any]:
    from tsunagu.accounts.policy import Actor, Role
    from tsunagu.consultations.services import PersonData
    from tsunagu.referrals import services

    worker = Actor(
        user=w.users["support_worker_b"], organisation=w.organisations["B"], roles=frozenset({Role.SUPPORT_WORKER})
    )
    return {"code": services.person_add(actor=worker, data=PersonData(consent_method="oral", name="佐藤 一郎")).code}


WORKER_ONLY = staff(403, counsellor_a=404, supervisor_a=404, support_worker_b=200)

ROWS += [
    Row("referrals:people", staff(403, counsellor_a=200, supervisor_a=200, support_worker_b=200)),
    Row(
        "referrals:people",
        staff(403, counsellor_a=400, supervisor_a=400, support_worker_b=400),
        method="post",
        label="bad input",
    ),
    Row("referrals:person", WORKER_ONLY, kwargs=_direct_person),
    Row(
        "referrals:person",
        staff(403, counsellor_a=404, supervisor_a=404, support_worker_b=404),
        kwargs=UNKNOWN,
        label="unknown",
    ),
    Row(
        "referrals:person_consent",
        staff(403, counsellor_a=404, supervisor_a=404, support_worker_b=400),
        method="post",
        kwargs=_direct_person,
        label="bad input",
    ),
]
