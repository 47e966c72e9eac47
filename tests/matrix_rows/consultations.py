"""Authorisation matrix rows: the consultation intake (docs/consultations.md, "Access").

Counsellors and supervisors answer the shared queue (``consultation.handle``); supervisors also see
the dashboard (``consultation.supervise``); supervisors and organisation administrators set their
organisation's participation (``consultation.settings.manage``). A consultation is readable by its handling
organisation only (404 for anyone else who may handle consultations). The person's chat needs no
login: without the chat's secret every chat URL answers 410 Gone.
"""

from __future__ import annotations

from typing import Any

from tests.matrix import UNKNOWN, Row, everyone, staff
from tsunagu.accounts.policy import Actor, Role
from tsunagu.accounts.tests.factories import OrganisationFactory
from tsunagu.accounts.tests.personas import World

HANDLERS = ("counsellor_a", "supervisor_a")


def handlers(outcome: int | str, **overrides: int | str) -> dict[str, int | str]:
    return staff(403, **{**dict.fromkeys(HANDLERS, outcome), **overrides})


def _chat(w: World, *, take: bool = True, other_org: bool = False) -> Any:
    from tsunagu.consultations import services
    from tsunagu.consultations.tests.consultation_data import participate

    participate(w.organisations["A"])
    started = services.chat_start(address="192.0.2.1", at_risk=False, language="ja")
    services.message_post(consultation=started.consultation, sender="person", body="はなしをきいてください")
    if take:
        if other_org:
            organisation = OrganisationFactory(name="別の相談団体")
            participate(organisation)
            from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory

            user = UserFactory(username="other-counsellor")
            MembershipFactory(user=user, organisation=organisation, role=Role.COUNSELLOR)
            actor = Actor(user=user, organisation=organisation, roles=frozenset({Role.COUNSELLOR}))
        else:
            actor = Actor(
                user=w.users["counsellor_a"], organisation=w.organisations["A"], roles=frozenset({Role.COUNSELLOR})
            )
        services.consultation_take(actor=actor, consultation=started.consultation)
    return started.consultation


OWN = lambda w: {"code": _chat(w).code}  # noqa: E731
WAITING = lambda w: {"code": _chat(w, take=False).code}  # noqa: E731
OTHERS = lambda w: {"code": _chat(w, other_org=True).code}  # noqa: E731


def _alert(w: World) -> dict[str, Any]:
    """An open high-risk alert about a chat organisation A handles."""
    from tsunagu.consultations import services

    return {"code": services.alert_raise(consultation=_chat(w), kind="high_risk").code}


def _participating(w: World) -> dict[str, Any]:
    from tsunagu.consultations.tests.consultation_data import participate

    participate(w.organisations["A"])
    return {}


ROWS: list[Row] = [
    Row("consultations:queue", handlers(200)),
    Row("consultations:call", handlers(200)),
    # Bad input (no start time): the form comes back with its errors, nothing logged.
    Row("consultations:call", handlers(400), method="post", data=lambda w: {"started_at": "いつか"}, label="bad input"),
    Row("consultations:dashboard", staff(403, supervisor_a=200)),
    Row("consultations:settings", staff(403, supervisor_a=200, org_admin_d=200)),
    Row(
        "consultations:settings",
        staff(403, supervisor_a=400, org_admin_d=400),
        method="post",
        data=lambda w: {"active": "on", "hours_text": "いつでも"},
        label="bad hours",
    ),
    # Issuing a CTI token needs the organisation to take part first: without it, back to the settings.
    Row("consultations:cti_token", staff(403, supervisor_a=302, org_admin_d=302), method="post"),
    # Alerts (docs/consultations.md, "Alerts"): supervisors only; the escalation list with the settings.
    Row("consultations:alerts", staff(403, supervisor_a=200)),
    Row("consultations:alert_acknowledge", staff(403, supervisor_a=302), method="post", kwargs=_alert),
    Row(
        "consultations:alert_acknowledge", staff(403, supervisor_a=404), method="post", kwargs=UNKNOWN, label="unknown"
    ),
    Row("consultations:escalation", staff(403, supervisor_a=200, org_admin_d=200)),
    Row(
        "consultations:escalation",
        staff(403, supervisor_a=302, org_admin_d=302),
        method="post",
        kwargs=_participating,
        label="an empty list",
    ),
    Row("consultations:consultation", handlers(200), kwargs=OWN),
    Row("consultations:consultation", handlers(404), kwargs=OTHERS, label="another organisation's"),
    Row("consultations:consultation", handlers(404), kwargs=UNKNOWN, label="unknown"),
    Row("consultations:take", handlers(302), method="post", kwargs=WAITING),
    Row("consultations:messages", handlers(200), kwargs=OWN),
    Row("consultations:messages", handlers(404), kwargs=OTHERS, label="another organisation's"),
    Row("consultations:poll", handlers(200), kwargs=OWN),
    Row("consultations:poll", handlers(404), kwargs=OTHERS, label="another organisation's"),
    # A supervisor who has not joined the conversation openly may not write to the person (a note instead).
    Row(
        "consultations:send",
        handlers(302, supervisor_a=403),
        method="post",
        kwargs=OWN,
        data=lambda w: {"body": "こんばんは"},
    ),
    Row(
        "consultations:send",
        handlers(404),
        method="post",
        kwargs=OTHERS,
        data=lambda w: {"body": "x"},
        label="another's",
    ),
    Row("consultations:record", handlers(302), method="post", kwargs=OWN, data=lambda w: {"record-language": "ja"}),
    Row("consultations:risk", handlers(302), method="post", kwargs=OWN, data=lambda w: {"risk-violence_at_home": "on"}),
    Row(
        "consultations:risk_step",
        handlers(302),
        method="post",
        kwargs=OWN,
        data=lambda w: {"step-step": "stayed_on_line"},
    ),
    Row("consultations:transfer", handlers(302), method="post", kwargs=OWN, data=lambda w: {"transfer-note": ""}),
    Row("consultations:close", handlers(302), method="post", kwargs=OWN, data=lambda w: {"confirmed": "1"}),
    # Irreversible actions ask first (tsunagu/core/confirm.py): without confirmed=1 the handlers get the
    # confirm step page and nothing changes; everyone else the same refusal as for the action itself.
    Row("consultations:close", handlers(200), method="post", kwargs=OWN, label="confirm step"),
    Row(
        "consultations:transfer",
        handlers(200),
        method="post",
        kwargs=OWN,
        data=lambda w: {"transfer-to_organisation": str(w.organisations["A"].code), "transfer-note": "見守りを"},
        label="confirm step",
    ),
    Row(
        "consultations:block",
        handlers(200),
        method="post",
        kwargs=OWN,
        data=lambda w: {"block-days": "3", "block-reason": "嫌がらせ"},
        label="confirm step",
    ),
    # The handover (warm transfer): nothing is offered here, so cancelling says so and comes back.
    Row("consultations:handover_cancel", handlers(302), method="post", kwargs=OWN),
    Row("consultations:handover_cancel", handlers(404), method="post", kwargs=OTHERS, label="another's"),
    # A note only staff read: the handler and the supervisors who may read the conversation.
    Row("consultations:note", handlers(302), method="post", kwargs=OWN, data=lambda w: {"body": "見守りを"}),
    Row(
        "consultations:note",
        handlers(404),
        method="post",
        kwargs=OTHERS,
        data=lambda w: {"body": "x"},
        label="another's",
    ),
    # Joining openly: a supervisor of the handling organisation.
    Row("consultations:join", staff(403, supervisor_a=302), method="post", kwargs=OWN),
    Row("consultations:join", staff(403, supervisor_a=404), method="post", kwargs=OTHERS, label="another's"),
    Row(
        "consultations:person",
        handlers(302),
        method="post",
        kwargs=OWN,
        data=lambda w: {"person-consent_method": "oral", "person-name": "テスト"},
    ),
    Row(
        "consultations:person_lookup",
        handlers(200),
        method="post",
        kwargs=OWN,
        data=lambda w: {"lookup-phone": "0900000000"},
    ),
    Row(
        "consultations:block",
        handlers(302),
        method="post",
        kwargs=OWN,
        data=lambda w: {"block-days": "3", "block-reason": "嫌がらせ", "confirmed": "1"},
    ),
    Row("chat:start", everyone(200), kwargs=_participating),
    Row("chat:start", everyone(200), method="post", kwargs=_participating, data=lambda w: {"at_risk": ""}),
    Row("chat:room", everyone(410), method="post", data=lambda w: {"secret": "guess"}),
    Row("chat:send", everyone(410), method="post", data=lambda w: {"secret": "guess", "body": "x"}),
    Row("chat:messages", everyone(410), method="post", data=lambda w: {"secret": "guess", "after": "0"}),
    Row("chat:end", everyone(200), method="post", data=lambda w: {"secret": "guess"}),
    # The LINE webhook: LINE's platform, authenticated by its signature (tests/…/test_line.py); off
    # (404, not an access refusal) until the channel secret and token are configured.
    Row("line_webhook", everyone(404), method="post", audit_denied=False),
    # The CTI webhook: a phone system with its organisation's token; without one, 401 for anyone.
    # Refused without a token: counted per source and hour, one audit row per hour (audit.aggregate).
    Row("cti_call", everyone(401), method="post", audit_denied=False),
    # Sending a LINE reply again: the handler or a supervisor of the handling organisation. A web
    # chat's message is no LINE reply: refused with a message, back to the conversation (302).
    Row(
        "consultations:line_reply_retry",
        handlers(302),
        method="post",
        kwargs=lambda w: {"code": _chat(w).code, "seq": 1},
    ),
    Row(
        "consultations:line_reply_retry",
        handlers(404),
        method="post",
        kwargs=lambda w: {"code": _chat(w, other_org=True).code, "seq": 1},
        label="another organisation's",
    ),
]
