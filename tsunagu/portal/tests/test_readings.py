"""Staff pages for the furigana reading overrides: audited writes, clear refusals of bad input."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tsunagu.audit.models import AuditEvent
from tsunagu.portal.models import ReadingOverride

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator(world) -> Client:  # type: ignore[no-untyped-def]
    client: Client = world.client("platform_secretariat_c")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages below are asserted in English
    return client


def test_create_edit_delete_are_each_audited(curator: Client) -> None:
    response = curator.post(
        reverse("portal_staff:reading_create"), {"surface": " 明日 ", "reading": "アシタ", "note": "やさしい言い方"}
    )
    assert response.status_code == 302
    override = ReadingOverride.objects.get()
    assert (override.surface, override.reading, override.note) == ("明日", "あした", "やさしい言い方")
    assert override.updated_by is not None and override.updated_by.username == "platform-secretariat-c"
    created = AuditEvent.objects.get(action="portal.reading_created")
    assert created.target_code == str(override.code)
    assert created.detail == {"surface": "明日", "reading": "あした"}
    assert created.actor_label == "platform-secretariat-c"

    listing = curator.get(reverse("portal_staff:readings")).content.decode()
    assert "<ruby>明日<rt>あした</rt></ruby>" in listing

    edit = reverse("portal_staff:reading_edit", kwargs={"code": override.code})
    assert curator.post(edit, {"surface": "明日", "reading": "あす", "note": ""}).status_code == 302
    override.refresh_from_db()
    assert override.reading == "あす"
    updated = AuditEvent.objects.get(action="portal.reading_updated")
    assert updated.detail["fields"] == ["reading", "note"]
    assert updated.detail["from"]["reading"] == "あした" and updated.detail["to"]["reading"] == "あす"

    # Saving without a change writes nothing.
    curator.post(edit, {"surface": "明日", "reading": "あす", "note": ""})
    assert AuditEvent.objects.filter(action="portal.reading_updated").count() == 1

    delete = reverse("portal_staff:reading_delete", kwargs={"code": override.code})
    assert curator.post(delete).status_code == 302
    assert not ReadingOverride.objects.exists()
    deleted = AuditEvent.objects.get(action="portal.reading_deleted")
    assert deleted.target_code == str(override.code)
    assert deleted.detail == {"surface": "明日", "reading": "あす"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"surface": "明日", "reading": ""}, "Enter the reading in hiragana."),
        ({"surface": "明日", "reading": "明日"}, "Write the reading in hiragana only"),
        ({"surface": "明日", "reading": "asita"}, "Write the reading in hiragana only"),
        ({"surface": "明日", "reading": "あ した"}, "Write the reading in hiragana only"),
        ({"surface": "あした", "reading": "あした"}, "The word needs at least one kanji"),
        ({"surface": "話す", "reading": "かいわ"}, "The reading does not fit the word"),
        ({"surface": "", "reading": "あした"}, "Enter the word as it is written."),
        ({"surface": "明日 今日", "reading": "あした"}, "Enter one word, without spaces."),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(curator: Client, data: dict[str, str], message: str) -> None:
    events = AuditEvent.objects.count()
    response = curator.post(reverse("portal_staff:reading_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReadingOverride.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_word_has_one_reading(curator: Client) -> None:
    ReadingOverride.objects.create(surface="明日", reading="あした")
    other = ReadingOverride.objects.create(surface="今日", reading="きょう")
    response = curator.post(reverse("portal_staff:reading_create"), {"surface": "明日", "reading": "あす"})
    assert response.status_code == 400
    assert "This word already has a reading" in response.content.decode()
    edit = reverse("portal_staff:reading_edit", kwargs={"code": other.code})
    response = curator.post(edit, {"surface": "明日", "reading": "あした"})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.surface == "今日"
    assert ReadingOverride.objects.count() == 2


def test_bad_input_on_edit_keeps_the_saved_reading(curator: Client) -> None:
    override = ReadingOverride.objects.create(surface="明日", reading="あした")
    edit = reverse("portal_staff:reading_edit", kwargs={"code": override.code})
    response = curator.post(edit, {"surface": "明日", "reading": "ミョウ日"})
    assert response.status_code == 400
    override.refresh_from_db()
    assert override.reading == "あした"


def test_staff_without_the_permission_are_refused_and_audited(world) -> None:  # type: ignore[no-untyped-def]
    client = world.client("counsellor_a")
    response = client.post(reverse("portal_staff:reading_create"), {"surface": "明日", "reading": "あした"})
    assert response.status_code == 403
    denied = AuditEvent.objects.get(outcome="denied")
    assert denied.detail["reason"] == "missing_permission:portal.readings.edit"
    assert not ReadingOverride.objects.exists()
