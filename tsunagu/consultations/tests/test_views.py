"""The desks's pages over HTTP, without JavaScript: a person chats from the portal, a counsellor of
another organisation takes it, they talk, the counsellor records, assesses risk and transfers it;
nothing about the chat goes into a URL or a cookie."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tsunagu.audit.models import AuditEvent
from tsunagu.consultations.models import Consultation, RiskLevel, Status
from tsunagu.consultations.serialisers import SYSTEM_MESSAGES
from tsunagu.consultations.tests.consultation_data import Desks, make_desks
from tsunagu.directory.models import TaxonomyTerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


def counsellor_client(desks: Desks, who: str) -> Client:
    from tsunagu.accounts.tests.personas import sign_in

    client = Client()
    if who == "local_counsellor":
        sign_in(client, desks.local_counsellor, organisation=desks.local)
    elif who == "local_supervisor":
        sign_in(client, desks.local_supervisor, organisation=desks.local)
    else:
        return desks.world.client(who)
    return client


def secret_of(html: str) -> str:
    found = re.search(r'name="secret" value="([^"]+)"', html)
    assert found, "the room page carries the chat's secret in its forms"
    return found.group(1)


def start_chat(client: Client, at_risk: str = "") -> str:
    response = client.post("/chat/", {"at_risk": at_risk})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # no cookie, no session for the person
    return secret_of(response.content.decode())


def test_a_person_and_a_counsellor_of_another_organisation_talk(desks):
    person = Client()
    secret = start_chat(person, at_risk="yes")
    sent = person.post("/chat/send/", {"secret": secret, "body": "もう疲れました <b>助けて</b>"})
    assert sent.status_code == 200 and "Set-Cookie" not in sent.headers
    html = sent.content.decode()
    assert "もう疲れました &lt;b&gt;助けて&lt;/b&gt;" in html  # escaped, never markup

    counsellor = counsellor_client(desks, "local_counsellor")
    queue = counsellor.get(reverse("consultations:queue")).content.decode()
    chat = Consultation.objects.get()
    assert str(chat.code) in queue and "もう疲れました" not in queue  # the queue shows no content
    taken = counsellor.post(reverse("consultations:take", kwargs={"code": chat.code}))
    assert taken.status_code == 302
    page = counsellor.get(reverse("consultations:consultation", kwargs={"code": chat.code})).content.decode()
    assert "もう疲れました &lt;b&gt;助けて&lt;/b&gt;" in page
    assert AuditEvent.objects.filter(action="consultation.read", target_code=str(chat.code)).exists()

    counsellor.post(
        reverse("consultations:send", kwargs={"code": chat.code}), {"body": "ここにいますよ。お話を聞かせてください。"}
    )
    news = person.post("/chat/messages/", {"secret": secret, "after": "1", "wait": "0"}, HTTP_ACCEPT="application/json")
    assert news.status_code == 200
    data = news.json()
    assert data["status"] == "active"
    assert [m["sender"] for m in data["messages"]] == ["system", "counsellor"]
    assert data["messages"][-1]["text"] == "ここにいますよ。お話を聞かせてください。"

    # Someone else on the same queue cannot take it any more, nor read it.
    other = desks.world.client("counsellor_a")
    assert other.post(reverse("consultations:take", kwargs={"code": chat.code})).status_code == 302
    assert other.get(reverse("consultations:consultation", kwargs={"code": chat.code})).status_code == 404


def test_the_counsellor_records_concerns_risk_and_outcome_then_transfers_with_a_note(desks):
    secret = start_chat(Client())
    chat = Consultation.objects.get()
    counsellor = counsellor_client(desks, "counsellor_a")
    counsellor.post(reverse("consultations:take", kwargs={"code": chat.code}))
    concern = TaxonomyTerm.objects.get(taxonomy__key="concern", key="loneliness-talk")
    recorded = counsellor.post(
        reverse("consultations:record", kwargs={"code": chat.code}),
        {"record-consulting_as": "self", "record-language": "ja", "record-concerns": [concern.pk],
         "record-summary": "一人暮らしで話し相手がいない", "record-outcomes": ["listened", "information"]},
    )  # fmt: skip
    assert recorded.status_code == 302
    risk = counsellor.post(
        reverse("consultations:risk", kwargs={"code": chat.code}),
        {"risk-suicidal_thoughts": "on", "risk-plan": "on"},
        follow=True,
    )
    assert "119" in risk.content.decode()  # the emergency checklist is shown
    chat.refresh_from_db()
    assert chat.risk_level == RiskLevel.HIGH and chat.outcomes == ["listened", "information"]
    assert list(chat.concerns.all()) == [concern]
    transferred = counsellor.post(
        reverse("consultations:transfer", kwargs={"code": chat.code}),
        {
            "transfer-to_organisation": str(desks.local.code),
            "transfer-note": "孤独感が強い。夜間の見守りをお願いします",
            "confirmed": "1",  # past the confirm step (tsunagu/core/confirm.py)
        },
    )
    assert transferred.status_code == 302
    chat.refresh_from_db()
    # A warm handover of a high-risk chat to nobody by name: the first counsellor stays, the
    # person reads no queue position, and the receiving organisation's supervisors are offered it.
    assert chat.status == Status.ACTIVE and chat.transfer_to == desks.local and chat.transfer_to_supervisors
    waiting = Client().post("/chat/messages/", {"secret": secret, "after": "0", "wait": "0"}).json()
    assert waiting["status"] == "active" and waiting["handover"] is True and waiting["position"] == 0
    local = counsellor_client(desks, "local_supervisor")
    local.post(reverse("consultations:take", kwargs={"code": chat.code}))
    chat.refresh_from_db()
    assert chat.organisation == desks.local and chat.transfer_to is None
    page = local.get(reverse("consultations:consultation", kwargs={"code": chat.code})).content.decode()
    assert "孤独感が強い。夜間の見守りをお願いします" in page
    news = Client().post("/chat/messages/", {"secret": secret, "after": "0", "wait": "0"})
    texts = [m["text"] for m in news.json()["messages"]]
    with translation.override("ja"):
        told = translation.gettext(str(SYSTEM_MESSAGES["transferred"]))
    assert told in texts  # the person is told they need not repeat their story


def test_bad_input_gets_a_clear_message_and_changes_nothing(desks):
    secret = start_chat(Client())
    chat = Consultation.objects.get()
    too_long = Client().post("/chat/send/", {"secret": secret, "body": "あ" * 2001})
    assert too_long.status_code == 400
    assert not chat.messages.exists()
    counsellor = counsellor_client(desks, "counsellor_a")
    counsellor.post(reverse("consultations:take", kwargs={"code": chat.code}))
    bad = counsellor.post(
        reverse("consultations:record", kwargs={"code": chat.code}),
        {"record-language": "ja", "record-outcomes": ["follow_up"]},
        follow=True,
    )
    assert bad.status_code == 200
    chat.refresh_from_db()
    assert chat.outcomes == []
    call = counsellor.post(reverse("consultations:call"), {"started_at": "2026-13-40 25:00"})
    assert call.status_code == 400 and Consultation.objects.count() == 1


def test_the_person_can_end_the_chat_and_it_cannot_be_resumed(desks):
    person = Client()
    secret = start_chat(person)
    ended = person.post("/chat/end/", {"secret": secret})
    assert ended.status_code == 200
    assert person.post("/chat/room/", {"secret": secret}).status_code == 410
    assert Consultation.objects.get().status == Status.CLOSED


def test_outside_hours_the_start_page_gives_the_lines_and_starts_nothing(world):
    page = Client().get("/chat/").content.decode()  # nobody participates: nobody answers
    assert 'href="/now/"' in page
    response = Client().post("/chat/", {"at_risk": "yes"})
    assert response.status_code == 200 and not Consultation.objects.exists()


def test_a_logged_call_and_the_supervisor_dashboard(desks):
    counsellor = counsellor_client(desks, "counsellor_a")
    logged = counsellor.post(
        reverse("consultations:call"),
        {"started_at": "2026-11-26T10:00", "ended_at": "2026-11-26T10:20", "risk_level": "3", "summary": "電話相談"},
    )
    assert logged.status_code == 302
    call = Consultation.objects.get()
    assert call.channel == "phone" and call.risk_level == 3
    assert str(call.code) in counsellor.get(reverse("consultations:queue")).content.decode()
    supervisor = counsellor_client(desks, "supervisor_a")
    dashboard = supervisor.get(reverse("consultations:dashboard"))
    assert dashboard.status_code == 200
    assert counsellor.get(reverse("consultations:dashboard")).status_code == 403
