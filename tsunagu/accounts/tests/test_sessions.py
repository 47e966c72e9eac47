from __future__ import annotations

import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from tsunagu.accounts import services, session_policy
from tsunagu.accounts.policy import Role
from tsunagu.accounts.tests.factories import TEST_PASSWORD, MembershipFactory, OrganisationFactory
from tsunagu.accounts.tests.personas import World, current_code, sign_in
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import SystemActor

DASHBOARD = reverse("accounts:dashboard")
LOGIN = reverse("accounts:login")


def test_idle_timeout_after_30_minutes(world: World) -> None:
    with time_machine.travel("2026-11-25 09:00 +09:00", tick=False) as clock:
        client = world.client("counsellor_a")
        clock.shift(29 * 60)
        assert client.get(DASHBOARD).status_code == 200  # activity resets the idle clock
        clock.shift(29 * 60)
        assert client.get(DASHBOARD).status_code == 200
        clock.shift(31 * 60)
        response = client.get(DASHBOARD)
        assert response.status_code == 302 and response["Location"] == LOGIN
        assert client.get(DASHBOARD)["Location"].startswith(LOGIN)
    assert AuditEvent.objects.filter(action="auth.session_ended", detail__reason="idle").count() == 1


def test_absolute_timeout_after_12_hours_even_when_active(world: World) -> None:
    with time_machine.travel("2026-11-25 08:00 +09:00", tick=False) as clock:
        client = world.client("counsellor_a")
        for _ in range(24):  # active every 25 minutes for ten hours
            clock.shift(25 * 60)
            assert client.get(DASHBOARD).status_code == 200
        clock.shift(121 * 60)
        assert client.get(DASHBOARD).status_code == 302
    assert AuditEvent.objects.filter(action="auth.session_ended", detail__reason="absolute").exists()


def test_logout_ends_the_server_session(world: World) -> None:
    client = world.client("counsellor_a")
    session_key = client.session.session_key
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    replay = Client()
    replay.cookies["sessionid"] = session_key
    assert replay.get(DASHBOARD).status_code == 302


def test_logout_requires_post(world: World) -> None:
    client = world.client("counsellor_a")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(DASHBOARD).status_code == 200


def test_deactivation_ends_sessions_on_next_request(world: World) -> None:
    client = world.client("counsellor_a")
    assert client.get(DASHBOARD).status_code == 200
    services.user_set_active(actor=SystemActor(), user=world.users["counsellor_a"], active=False)
    assert client.get(DASHBOARD).status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(world: World) -> None:
    here, elsewhere = world.client("counsellor_a"), world.client("counsellor_a")
    response = here.post(
        reverse("accounts:password_change"),
        {
            "current_password": TEST_PASSWORD,
            "new_password": "a brand new passphrase 2026",
            "new_password_again": "a brand new passphrase 2026",
        },
    )
    assert response.status_code == 302
    assert here.get(DASHBOARD).status_code == 200
    assert elsewhere.get(DASHBOARD).status_code == 302


def test_wrong_current_password_changes_nothing(world: World) -> None:
    client = world.client("counsellor_a")
    before = world.users["counsellor_a"].password
    response = client.post(
        reverse("accounts:password_change"),
        {
            "current_password": "not the password at all",
            "new_password": "a brand new passphrase 2026",
            "new_password_again": "a brand new passphrase 2026",
        },
    )
    assert response.status_code == 400
    world.users["counsellor_a"].refresh_from_db()
    assert world.users["counsellor_a"].password == before


def test_session_without_verified_second_factor_is_ended(world: World) -> None:
    client = world.client("counsellor_a")
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]
    session.save()
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert AuditEvent.objects.filter(action="auth.session_ended", detail__reason="second_factor").exists()


def test_step_up_required_for_sensitive_actions(world: World) -> None:
    admin, target = "system_admin_c", world.users["counsellor_a"]
    reset_url = reverse("accounts:user_second_factor_reset", kwargs={"code": target.code})
    with time_machine.travel("2026-11-25 09:00 +09:00", tick=False) as clock:
        client = world.client(admin)
        clock.shift(6 * 60)
        response = client.post(reset_url, {"next": "/x"})
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:reauth"))
        assert target.totpdevice_set.exists()  # nothing changed
        device = world.devices[admin]
        bad = client.post(reverse("accounts:reauth"), {"password": "wrong password entirely", "token": "000000"})
        assert bad.status_code == 200
        ok = client.post(
            reverse("accounts:reauth"), {"password": TEST_PASSWORD, "token": current_code(device), "next": reset_url}
        )
        assert ok.status_code == 302
        assert client.post(reset_url).status_code == 302
        assert not target.totpdevice_set.exists()
    assert AuditEvent.objects.filter(action="user.second_factor_reset").count() == 1


def test_reauth_next_must_stay_on_site(world: World) -> None:
    client = world.client("platform_member_d")  # no second factor: password alone
    response = client.post(reverse("accounts:reauth"), {"password": TEST_PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == DASHBOARD


def test_acting_organisation_is_chosen_among_memberships_only(world: World) -> None:
    user = world.users["counsellor_a"]
    other = OrganisationFactory(name="二つ目の団体")
    MembershipFactory(user=user, organisation=other, role=Role.SUPPORT_WORKER)
    stranger = OrganisationFactory(name="所属していない団体")
    client = Client()
    sign_in(client, user)
    assert client.get(DASHBOARD)["Location"].startswith(reverse("accounts:org_select"))
    bad = client.post(reverse("accounts:org_select"), {"organisation": str(stranger.code)})
    assert bad.status_code == 400 and client.session.get(session_policy.ACTING_ORG) is None
    client.post(reverse("accounts:org_select"), {"organisation": str(other.code)})
    page = client.get(DASHBOARD)
    assert page.status_code == 200 and "二つ目の団体" in page.text
    assert page.context["actor"].roles == frozenset({Role.SUPPORT_WORKER})


def test_deactivated_organisation_no_longer_grants_its_roles(world: World) -> None:
    client = world.client("system_admin_c")
    assert client.get(reverse("accounts:user_list")).status_code == 200
    services.organisation_set_active(actor=SystemActor(), organisation=world.organisations["C"], active=False)
    assert client.get(reverse("accounts:user_list")).status_code == 302  # no organisation to act for


def test_authenticated_pages_are_not_cached(world: World) -> None:
    response = world.client("counsellor_a").get(DASHBOARD)
    assert "no-store" in response["Cache-Control"]
