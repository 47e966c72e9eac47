"""The auditor's audit log page and its CSV export, against the real database.

English is asked for with the language cookie where a test reads words, so the tests hold whether
or not the Japanese catalogue has the new strings yet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagu.accounts.tests.personas import World
from tsunagu.audit.actions import AuditTrailAction
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import SystemActor, _append, record, record_denied

AUDITOR = "auditor_c"
LOG = reverse("accounts:audit_log")
EXPORT = reverse("accounts:audit_export")
# 14:40:05 UTC is 23:40:05 in Tokyo.
INSTANT = dt.datetime(2026, 12, 7, 14, 40, 5, tzinfo=dt.UTC)


def auditor(world: World, language: str = "en") -> Client:
    client = world.client(AUDITOR)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def listed_seqs(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [row.event.seq for row in response.context["rows"]]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode()), "UTF-8 with a BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def streamed(response) -> bytes:  # type: ignore[no-untyped-def]
    assert response.streaming
    return b"".join(response.streaming_content)


# --- the page ------------------------------------------------------------------------------------


def test_page_shows_labels_readable_details_and_japan_time(world: World) -> None:
    with time_machine.travel(INSTANT, tick=False):
        verified = record(
            actor=SystemActor(),
            action=AuditTrailAction.CHAIN_VERIFIED,
            detail={"ok": True, "checked": 12345, "first_broken_seq": None},
        )
        old = _append(actor=SystemActor(), action="audit.viewed", detail={"filters": []})
    html = auditor(world).get(LOG).text
    assert 'datetime="2026-12-07T23:40:05+09:00">7 Dec 2026 23:40:05</time>' in html
    assert '<span title="audit.verified">Audit chain verified</span>' in html
    assert '<code class="audit-secondary">audit.viewed</code>' in html  # the stored code, for an expert
    assert "<dt>Intact: </dt><dd>Yes</dd>" in html
    assert "<dt>Events checked: </dt><dd>12,345</dd>" in html
    assert "<dt>Filters: </dt><dd>—</dd>" in html
    assert "{&#x27;" not in html and "[]" not in html, "no Python repr of a detail"
    assert f'<td data-label="#">{verified.seq}</td>' in html and f'<td data-label="#">{old.seq}</td>' in html


def test_page_in_japanese_writes_the_date_the_japanese_way(world: World) -> None:
    with time_machine.travel(INSTANT, tick=False):
        record(actor=SystemActor(), action=AuditTrailAction.CHAIN_VERIFIED, detail={"ok": True})
    html = auditor(world, "ja").get(LOG).text
    assert '<time datetime="2026-12-07T23:40:05+09:00">2026年12月7日 23:40:05</time>' in html
    assert "：</dt><dd>はい</dd>" in html


def test_denied_rows_are_marked_and_the_outcome_has_its_own_column(world: World) -> None:
    world.client("counsellor_a").get(reverse("accounts:user_list"))  # refused: one denied row
    html = auditor(world).get(LOG, {"outcome": "denied"}).text
    assert '<tr class="row-denied">' in html
    assert '<td data-label="Outcome"><strong class="outcome-denied">Denied</strong></td>' in html
    assert "Access refused" in html and "no permission for this page (user.manage)" in html


def test_long_lists_of_codes_are_shortened_on_the_page(world: World) -> None:
    codes = [str(uuid.uuid4()) for _ in range(150)]
    record(actor=SystemActor(), action=AuditTrailAction.PERSONAL_DATA_READ, detail={"entries": codes})
    html = auditor(world).get(LOG).text
    assert codes[0] in html and "(150 in all)" in html
    assert not any(code in html for code in codes[3:])


def test_a_target_code_is_shortened_on_screen_but_whole_in_the_page_and_a_filter_link(world: World) -> None:
    code = str(uuid.uuid4())
    record(actor=SystemActor(), action=AuditTrailAction.PERSONAL_DATA_READ, target_type="person", target_code=code)
    html = auditor(world).get(LOG).text
    assert f'<a href="{LOG}?target={code}"><code class="code-short" title="{code}">{code}</code></a>' in html
    # Pasted in capitals, it still finds the row.
    response = auditor(world).get(LOG, {"target": code.upper()})
    assert [row.event.target_code for row in response.context["rows"]] == [code]


def test_viewing_the_page_records_a_log_read_with_the_filters(world: World) -> None:
    auditor(world).get(LOG, {"outcome": "denied", "since": "2026-12-01"})
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None and last.action == AuditTrailAction.LOG_READ.value
    assert last.detail == {"filters": {"outcome": "denied", "since": "2026-12-01"}}


# --- filters -------------------------------------------------------------------------------------


def test_a_filter_by_action_finds_rows_stored_under_an_old_spelling(world: World) -> None:
    old = _append(actor=SystemActor(), action="audit.viewed")
    new = record(actor=SystemActor(), action=AuditTrailAction.LOG_READ)
    other = record(actor=SystemActor(), action=AuditTrailAction.CHAIN_VERIFIED)
    client = auditor(world)
    response = client.get(LOG, {"action": AuditTrailAction.LOG_READ.value})
    assert response.status_code == 200
    assert listed_seqs(response) == [new.seq, old.seq]
    assert other.seq not in listed_seqs(response)
    # A bookmark with the old spelling means the same action (and finds the page's own read too).
    page_read = AuditEvent.objects.order_by("-seq")[0]
    assert page_read.action == AuditTrailAction.LOG_READ.value
    assert listed_seqs(client.get(LOG, {"action": "audit.viewed"})) == [page_read.seq, new.seq, old.seq]


def test_the_action_select_lists_labels_sorted_then_unknown_stored_actions(world: World) -> None:
    _append(actor=SystemActor(), action="legacy.something")
    _append(actor=SystemActor(), action="audit.viewed")
    html = auditor(world).get(LOG).text
    select = html[html.index('<select name="action"') : html.index("</select>", html.index('<select name="action"'))]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    listed = [label for value, label in options if value and value != "legacy.something"]
    assert listed == sorted(listed) and "Audit log viewed" in listed
    assert ("audit.read", "Audit log viewed") in options
    assert all(value != "audit.viewed" for value, _label in options), "an old spelling is not a second choice"
    assert '<optgroup label="Other recorded actions">' in select and ("legacy.something", "legacy.something") in options


def test_filters_by_person_organisation_and_period(world: World) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 30, 14, 59, tzinfo=dt.UTC), tick=False):  # 23:59 JST, 30 Nov
        before = record(actor=SystemActor("night-job"), action=AuditTrailAction.CHAIN_VERIFIED)
    with time_machine.travel(dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC), tick=False):  # 00:00 JST, 1 Dec
        first_day = record(actor=SystemActor("night-job"), action=AuditTrailAction.CHAIN_VERIFIED)
    world.client("counsellor_a").get(reverse("accounts:user_list"))  # denied, acting for A
    world.client("support_worker_b").get(reverse("accounts:user_list"))  # denied, acting for B
    client = auditor(world)
    by_period = client.get(LOG, {"since": "2026-12-01", "until": "2026-12-01"})
    assert listed_seqs(by_period) == [first_day.seq]
    assert before.seq in listed_seqs(client.get(LOG, {"until": "2026-11-30", "actor": "night-job"}))
    by_person = client.get(LOG, {"actor": "counsellor-a"})
    assert {row.event.actor_label for row in by_person.context["rows"]} == {"counsellor-a"}
    org_a = world.organisations["A"]
    by_org = client.get(LOG, {"organisation": str(org_a.code)})
    rows = by_org.context["rows"]
    assert rows and {row.event.org_code for row in rows} == {org_a.code}
    assert {row.organisation for row in rows} == {org_a.name}


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2026-12-02", "until": "2026-12-01"},
        {"action": "no.such_action"},
        {"action": "auth."},
        {"organisation": "not-a-uuid"},
        {"organisation": str(uuid.uuid4())},
        {"outcome": "maybe"},
        {"since": "2026-02-30"},
        {"actor": "nul\x00byte"},
    ],
)
def test_invalid_filters_answer_400_with_the_message_and_list_nothing(world: World, query: dict[str, str]) -> None:
    response = auditor(world).get(LOG, query)
    assert response.status_code == 400
    html = response.text
    assert 'class="error-summary"' in html and 'class="errorlist' in html and 'aria-invalid="true"' in html
    assert response.context["rows"] is None and "Download CSV" not in html


@pytest.mark.parametrize("query", [{"since": "0001-01-01"}, {"until": "0001-01-01"}, {"until": "9999-12-31"}])
@pytest.mark.parametrize("url", [LOG, EXPORT])
def test_absurd_dates_are_answered_not_crashed(world: World, query: dict[str, str], url: str) -> None:
    response = auditor(world).get(url, query)
    assert response.status_code == 200
    if response.streaming:
        streamed(response)


def test_pagination_links_keep_the_filters(world: World) -> None:
    for _ in range(55):
        record_denied(actor=SystemActor(), action=AuditTrailAction.ACCESS_DENIED, detail={"reason": "test"})
    record(actor=SystemActor(), action=AuditTrailAction.CHAIN_VERIFIED)
    client = auditor(world)
    first = client.get(LOG, {"outcome": "denied"})
    assert len(first.context["rows"]) == 50
    link = re.search(r'href="\?([^"]+)" rel="next"', first.text)
    assert link is not None and link.group(1).replace("&amp;", "&") == "outcome=denied&page=2"
    second = client.get(f"{LOG}?outcome=denied&page=2")
    assert len(second.context["rows"]) == 5
    assert all(row.event.outcome == "denied" for row in second.context["rows"])


def test_the_page_runs_the_same_queries_for_few_or_many_rows(world: World) -> None:
    def queries() -> int:
        client = auditor(world)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LOG).status_code == 200
        return len(captured)

    record(actor=SystemActor(), action=AuditTrailAction.CHAIN_VERIFIED)
    few = queries()
    for _ in range(40):
        record(actor=SystemActor(), action=AuditTrailAction.CHAIN_VERIFIED, detail={"entries": ["a", "b"]})
    assert queries() == few


# --- the CSV export ------------------------------------------------------------------------------


def test_export_returns_exactly_the_filtered_rows_and_is_audited(world: World) -> None:
    with time_machine.travel(INSTANT, tick=False):
        world.client("counsellor_a").get(reverse("accounts:user_list"))  # denied, acting for A
        world.client("support_worker_b").get(reverse("accounts:user_list"))  # denied, acting for B
        record(actor=SystemActor(), action=AuditTrailAction.CHAIN_VERIFIED, detail={"ok": True})
    org_a = world.organisations["A"]
    query = {"outcome": "denied", "organisation": str(org_a.code)}
    client = auditor(world)
    listed = listed_seqs(client.get(LOG, query))
    assert listed
    response = client.get(EXPORT, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="audit-\d{8}\.csv"', response["Content-Disposition"])
    header, *rows = csv_rows(streamed(response))
    assert header[0] == "Event no." and header[-1] == "Detail" and len(header) == 12
    assert [int(row[0]) for row in rows] == listed
    for row in rows:
        assert row[1] == "2026-12-07T23:40:05+09:00"
        assert row[3] == str(org_a.code)
        assert (row[4], row[5], row[8]) == ("Access refused", "access.denied", "Denied")
        assert row[11].startswith("Method: GET; Reason: no permission for this page (") and "{" not in row[11]
    exported = AuditEvent.objects.filter(action=AuditTrailAction.LOG_EXPORTED.value)
    assert exported.count() == 1
    assert exported.get().detail == {
        "filters": {"organisation": str(org_a.code), "outcome": "denied"},
        "count": len(listed),
    }


def test_export_holds_the_rows_that_existed_when_it_was_asked_for(world: World) -> None:
    record(actor=SystemActor(), action=AuditTrailAction.CHAIN_VERIFIED)
    response = auditor(world).get(EXPORT)
    export_row = AuditEvent.objects.get(action=AuditTrailAction.LOG_EXPORTED.value)
    record(actor=SystemActor(), action=AuditTrailAction.CHAIN_VERIFIED)  # while the file is being sent
    seqs = [int(row[0]) for row in csv_rows(streamed(response))[1:]]
    assert seqs and export_row.seq not in seqs and max(seqs) < export_row.seq
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == export_row.detail["count"]


def test_export_is_streamed_in_chunks_under_asgi(world: World) -> None:
    for _ in range(3):
        record(actor=SystemActor(), action=AuditTrailAction.CHAIN_VERIFIED)
    signed_in = auditor(world)

    async def fetch() -> tuple[bool, bytes]:
        client = AsyncClient()
        client.cookies = signed_in.cookies
        response = await client.get(EXPORT)
        assert response.status_code == 200
        return response.is_async, b"".join([chunk async for chunk in response.streaming_content])

    is_async, content = async_to_sync(fetch)()
    assert is_async, "served chunk by chunk, not read whole by Django first"
    export_row = AuditEvent.objects.get(action=AuditTrailAction.LOG_EXPORTED.value)
    rows = csv_rows(content)[1:]
    assert len(rows) == export_row.detail["count"] == AuditEvent.objects.filter(seq__lt=export_row.seq).count()


def test_export_with_invalid_filters_answers_400_and_exports_nothing(world: World) -> None:
    response = auditor(world).get(EXPORT, {"since": "2026-12-02", "until": "2026-12-01"})
    assert response.status_code == 400 and not response.streaming
    assert response["Content-Type"].startswith("text/html")
    assert "The end date is before the start date." in response.text
    assert not AuditEvent.objects.filter(action=AuditTrailAction.LOG_EXPORTED.value).exists()


@pytest.mark.parametrize("url", [LOG, EXPORT])
def test_a_non_auditor_is_refused_with_one_denied_row(world: World, url: str) -> None:
    denied_before = AuditEvent.objects.filter(outcome="denied").count()
    response = world.client("system_admin_c").get(url)
    assert response.status_code == 403
    denied = AuditEvent.objects.filter(outcome="denied").order_by("-seq")
    assert denied.count() == denied_before + 1
    assert denied[0].target_code == ("accounts:audit_log" if url == LOG else "accounts:audit_export")
    assert not AuditEvent.objects.filter(action=AuditTrailAction.LOG_EXPORTED.value).exists()
