"""Who said what, in words a reader understands (issue 14, finding 9, the small items).

System messages are labelled in the reader's language (「お知らせ」 / "Notice"), not signed
「tsunagu」 in romaji; the queue names a chat's language instead of printing ``ja``; the settings
page tells the telephony address in words, not a path into the docs; the supervisor's figures for
today read as one sentence, without an English semicolon in the Japanese."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from tsunagu.consultations import services
from tsunagu.consultations.models import Consultation, RiskLevel
from tsunagu.consultations.tests.consultation_data import Desks, make_desks

pytestmark = pytest.mark.django_db


@pytest.fixture
def desks(world) -> Desks:
    return make_desks(world)


def in_language(client: Client, language: str) -> Client:
    client.cookies["django_language"] = language
    return client


def gettext_in(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def waiting_rows(html: str) -> str:
    return html.split('id="waiting-heading"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize(
    ("language", "japanese", "english"), [("ja", "日本語", "Japanese"), ("ko", "韓国語", "Korean")]
)
def test_the_queue_names_the_language_in_the_readers_language(desks, language, japanese, english):
    services.chat_start(address="192.0.2.10", at_risk=False, language=language)
    ja_page = waiting_rows(
        in_language(desks.world.client("counsellor_a"), "ja").get(reverse("consultations:queue")).content.decode()
    )
    assert f">{japanese}</td>" in ja_page and f">{language}</td>" not in ja_page
    en_page = waiting_rows(
        in_language(desks.world.client("counsellor_a"), "en").get(reverse("consultations:queue")).content.decode()
    )
    assert f">{english}</td>" in en_page


def test_a_language_typed_in_words_or_unknown_is_shown_as_entered(desks):
    started = services.chat_start(address="192.0.2.10", at_risk=False, language="ja")
    Consultation.objects.filter(pk=started.consultation.pk).update(language="タガログ語")
    services.chat_start(address="192.0.2.11", at_risk=False, language="xx-zz")
    response = desks.world.client("counsellor_a").get(reverse("consultations:queue"))
    assert response.status_code == 200
    rows = waiting_rows(response.content.decode())
    assert ">タガログ語</td>" in rows and ">xx-zz</td>" in rows


def test_system_messages_are_labelled_notice_for_the_person_and_for_staff(desks):
    person = Client()
    room = person.post("/chat/", {"at_risk": ""})
    secret = re.search(r'name="secret" value="([^"]+)"', room.content.decode())
    assert secret
    chat = Consultation.objects.get()
    services.consultation_take(actor=desks.actor("counsellor_a"), consultation=chat)  # "A counsellor has joined"
    notice = gettext_in("ja", "Notice")

    html = person.post("/chat/room/", {"secret": secret.group(1)}).content.decode()
    log = html.split('class="chat-log"', 1)[1].split("</ol>", 1)[0]
    assert escape(gettext_in("ja", "A counsellor has joined the chat.")) in log
    assert f'<span class="chat-who">{notice}</span>' in log and ">tsunagu<" not in log
    assert f'data-label-system="{notice}"' in html  # what chat.js labels live messages with

    staff = desks.world.client("counsellor_a").get(reverse("consultations:consultation", kwargs={"code": chat.code}))
    html = staff.content.decode()
    log = html.split('class="chat-log"', 1)[1].split("</ol>", 1)[0]
    assert notice in log and ">tsunagu<" not in log
    assert f'data-label-system="{notice}"' in html  # what staff.js labels live messages with


def test_todays_figures_read_as_one_sentence(desks):
    actor = desks.actor("supervisor_a")
    now = timezone.now()
    for risk in (RiskLevel.NONE, RiskLevel.HIGH):
        services.call_log(
            actor=actor,
            data=services.CallData(started_at=now - dt.timedelta(minutes=5), ended_at=now, risk_level=risk),
        )
    supervisor = desks.world.client("supervisor_a")
    for language in ("ja", "en"):
        html = in_language(supervisor, language).get(reverse("consultations:dashboard")).content.decode()
        today = html.split('id="today-heading"', 1)[1].split("</section>", 1)[0]
        sentence = re.search(r"<p>(.*?)</p>", today, re.S)
        assert sentence
        with translation.override(language):
            expected = translation.ngettext(
                "%(counter)s consultation, %(high)s of them at high risk",
                "%(counter)s consultations, %(high)s of them at high risk",
                2,
            ) % {"counter": 2, "high": 1}
        assert sentence.group(1) == escape(expected)
        assert ";" not in sentence.group(1)


def test_the_settings_page_gives_the_telephony_address_in_words_not_a_docs_path(desks):
    html = desks.world.client("supervisor_a").get(reverse("consultations:settings")).content.decode()
    section = html.split('id="cti-heading"', 1)[1].split("</section>", 1)[0]
    assert "docs/" not in section and ".md" not in section
    assert "<code>http://testserver/integrations/cti/calls/</code>" in section
    assert escape(gettext_in("ja", "Address for your phone system")) in section
