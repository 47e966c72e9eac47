"""System administrators manage organisations, users and memberships; every change is audited."""

from __future__ import annotations

from django.urls import reverse

from tsunagu.accounts.models import Membership, Organisation, User
from tsunagu.accounts.policy import Role
from tsunagu.accounts.tests.personas import World
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import verify_chain

ADMIN = "system_admin_c"


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("seq")


def test_create_and_edit_organisation(world: World) -> None:
    client = world.client(ADMIN)
    response = client.post(
        reverse("accounts:organisation_create"),
        {
            "name": "NPO法人 新しい居場所",
            "name_kana": "アタラシイイバショ",
            "type": "npo",
            "municipality_code": "３１２０１１",
            "contact_phone": "",
            "contact_email": "",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="NPO法人 新しい居場所")
    assert organisation.municipality_code == "312011"  # full-width digits accepted
    event = _last("organisation.created")
    assert event.target_code == str(organisation.code)
    assert event.actor_label == world.users[ADMIN].username
    assert event.org_code == world.organisations["C"].code
    client.post(
        reverse("accounts:organisation_edit", kwargs={"code": organisation.code}),
        {
            "name": "NPO法人 新しい居場所",
            "name_kana": "アタラシイイバショ",
            "type": "social_welfare_corporation",
            "municipality_code": "312011",
        },
    )
    assert _last("organisation.updated").detail == {"fields": ["type"]}
    assert verify_chain().ok


def test_wrong_check_digit_is_refused_and_changes_nothing(world: World) -> None:
    client = world.client(ADMIN)
    before = Organisation.objects.count()
    response = client.post(
        reverse("accounts:organisation_create"), {"name": "検査数字違い", "type": "npo", "municipality_code": "312012"}
    )
    assert response.status_code == 400
    assert "検査数字" in response.text or "check digit" in response.text
    assert Organisation.objects.count() == before


def test_create_user_encrypts_contact_details_and_audits_without_values(world: World) -> None:
    client = world.client(ADMIN)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "new-worker",
            "password": "a long initial passphrase",
            "display_name": "新人 花子",
            "email": "hanako@example.invalid",
            "phone": "０９０-０００-００００",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new-worker")
    assert user.display_name == "新人 花子"
    assert user.phone_index  # blind index for duplicate checks
    event = _last("user.created")
    assert "花子" not in str(event.detail) and "hanako" not in str(event.detail)


def test_viewing_personal_contact_details_is_audited(world: World) -> None:
    target = world.users["counsellor_a"]
    response = world.client(ADMIN).get(reverse("accounts:user_detail", kwargs={"code": target.code}))
    assert response.status_code == 200 and target.display_name in response.text
    event = _last("personal_data.read")
    assert event.target_code == str(target.code)
    assert event.detail == {"fields": ["display_name", "email", "phone"]}


def test_membership_add_and_remove(world: World) -> None:
    client = world.client(ADMIN)
    target = world.users["counsellor_a"]
    url = reverse("accounts:membership_add", kwargs={"code": target.code})
    response = client.post(url, {"organisation": str(world.organisations["B"].code), "role": "support_worker"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=target, organisation=world.organisations["B"])
    assert membership.role == Role.SUPPORT_WORKER
    assert (
        client.post(url, {"organisation": str(world.organisations["B"].code), "role": "support_worker"}).status_code
        == 400
    )
    assert client.post(url, {"organisation": str(world.organisations["B"].code), "role": "emperor"}).status_code == 400
    client.post(reverse("accounts:membership_remove", kwargs={"code": membership.code}))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert [e.action for e in AuditEvent.objects.filter(target_code=str(membership.code)).order_by("seq")] == [
        "membership.added",
        "membership.removed",
    ]


def test_last_system_admin_cannot_be_removed_or_deactivate_themself(world: World) -> None:
    client = world.client(ADMIN)
    admin = world.users[ADMIN]
    membership = admin.memberships.get(role=Role.SYSTEM_ADMIN)
    client.post(reverse("accounts:membership_remove", kwargs={"code": membership.code}))
    assert Membership.objects.filter(pk=membership.pk).exists()
    client.post(reverse("accounts:user_set_active", kwargs={"code": admin.code}), {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active


def test_deactivate_user_audited(world: World) -> None:
    target = world.users["counsellor_a"]
    world.client(ADMIN).post(reverse("accounts:user_set_active", kwargs={"code": target.code}), {"active": "0"})
    target.refresh_from_db()
    assert not target.is_active
    assert _last("user.deactivated").target_code == str(target.code)


def test_auditor_filters_and_verifies_the_log(world: World) -> None:
    client = world.client("auditor_c")
    world.client("counsellor_a").get(reverse("accounts:user_list"))  # a denied attempt
    page = client.get(reverse("accounts:audit_log"), {"outcome": "denied"})
    assert page.status_code == 200
    events = list(page.context["page"])
    assert events and all(e.outcome == "denied" for e in events)
    assert client.get(reverse("accounts:audit_log"), {"since": "2026-12-01", "until": "2026-11-01"}).status_code == 400
    result = client.post(reverse("accounts:audit_verify"))
    assert result.status_code == 200 and result.context["result"].ok


def test_create_system_admin_command(db, monkeypatch) -> None:
    import io

    import pytest
    from django.core.management import call_command
    from django.core.management.base import CommandError

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(CommandError):
        call_command("create_system_admin", username="admin", organisation="市役所", password_stdin=True)
    assert not User.objects.filter(username="admin").exists()
    assert not Organisation.objects.filter(name="市役所").exists()  # all or nothing
    monkeypatch.setattr("sys.stdin", io.StringIO("a long administrator passphrase\n"))
    call_command(
        "create_system_admin", username="admin", organisation="市役所", municipality_code="312011", password_stdin=True
    )
    membership = Membership.objects.get(user__username="admin")
    assert membership.role == Role.SYSTEM_ADMIN and membership.organisation.municipality_code == "312011"


def test_failed_password_change_is_not_stored_in_plaintext(world: World) -> None:
    from axes.models import AccessAttempt

    world.client("counsellor_a").post(
        reverse("accounts:password_change"),
        {
            "current_password": "typed-wrong-current-secret",
            "new_password": "the-new-secret-passphrase",
            "new_password_again": "the-new-secret-passphrase",
        },
    )
    stored = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert stored, "the failed attempt is recorded"
    assert "typed-wrong-current-secret" not in stored and "the-new-secret-passphrase" not in stored


def test_auditor_filters_by_acting_organisation(world: World) -> None:
    world.client("counsellor_a").get(reverse("accounts:user_list"))  # denied, acting for A
    world.client("support_worker_b").get(reverse("accounts:user_list"))  # denied, acting for B
    client = world.client("auditor_c")
    page = client.get(reverse("accounts:audit_log"), {"organisation": str(world.organisations["A"].code)})
    events = list(page.context["page"])
    assert events and {e.org_code for e in events} == {world.organisations["A"].code}
    assert client.get(reverse("accounts:audit_log"), {"organisation": "not-a-uuid"}).status_code == 400


def test_membership_organisations_are_found_by_search_not_all_listed(world: World) -> None:
    from tsunagu.accounts.tests.factories import OrganisationFactory

    for i in range(30):
        OrganisationFactory(name=f"地域の居場所{i:02d}")
    url = reverse("accounts:user_detail", kwargs={"code": world.users["counsellor_a"].code})
    client = world.client(ADMIN)
    assert "地域の居場所" not in client.get(url).text  # nothing listed until searched
    found = client.get(url, {"org_q": "居場所0"}).text
    assert found.count('name="organisation"') == 10 and "地域の居場所07" in found and "地域の居場所17" not in found
    many = client.get(url, {"org_q": "居場所"}).text
    assert many.count('name="organisation"') == 20  # capped
    assert "一致する有効な団体・機関はありません" in client.get(url, {"org_q": "存在しない名前"}).text
