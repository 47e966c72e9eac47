from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.accounts.models import RecoveryCode, User
from tsunagu.accounts.policy import Role
from tsunagu.accounts.tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory, add_totp
from tsunagu.accounts.tests.personas import current_code
from tsunagu.audit.models import AuditEvent

LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_code")
SETUP = reverse("accounts:second_factor_setup")
DASHBOARD = reverse("accounts:dashboard")


def _password(client: Client, username: str, password: str = TEST_PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.fixture
def counsellor(db) -> User:
    user = UserFactory(username="counsellor")
    MembershipFactory(user=user, role=Role.COUNSELLOR)
    return user


def test_password_then_code_signs_in_with_a_new_session_id(client: Client, counsellor: User) -> None:
    device = add_totp(counsellor)
    client.get(LOGIN)
    before = client.cookies.get("sessionid")
    response = _password(client, "counsellor")
    assert response.status_code == 302 and response["Location"] == CODE
    assert client.get(DASHBOARD).status_code == 302  # password alone is not enough
    pending_session = client.session.session_key
    response = client.post(CODE, {"token": current_code(device)})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert client.session.session_key != pending_session
    assert before is None or client.cookies["sessionid"].value != before.value
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert counsellor.memberships.get().organisation.name in page.text
    assert AuditEvent.objects.filter(action="auth.signed_in", actor_label="counsellor").exists()


def test_code_cannot_be_reused(counsellor: User) -> None:
    device = add_totp(counsellor)
    code = current_code(device)
    first, second = Client(), Client()
    _password(first, "counsellor")
    assert first.post(CODE, {"token": code}).status_code == 302
    _password(second, "counsellor")
    response = second.post(CODE, {"token": code})
    assert response.status_code == 200
    assert second.get(DASHBOARD).status_code == 302


def test_same_answer_for_unknown_user_inactive_user_and_wrong_password(client: Client, counsellor: User) -> None:
    inactive = UserFactory(username="inactive", is_active=False)
    answers = [
        _password(client, "nobody-has-this-name"),
        _password(client, "counsellor", "wrong password, long enough"),
        _password(client, inactive.username),
    ]
    assert {a.status_code for a in answers} == {200}
    errors = {a.context["form"].non_field_errors()[0] for a in answers}
    assert len(errors) == 1


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_by_username_and_ip_with_cool_off(counsellor: User) -> None:
    add_totp(counsellor)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    with time_machine.travel("2026-11-25 10:00 +09:00", tick=False) as clock:
        for _ in range(3):
            _password(attacker, "counsellor", "wrong password, long enough")
        assert _password(attacker, "counsellor").status_code == 429  # even the right password
        # Someone else's address is not locked out: nobody can lock a user out for good.
        assert _password(Client(REMOTE_ADDR="198.51.100.7"), "counsellor").status_code == 302
        clock.shift(31 * 60)
        assert _password(attacker, "counsellor").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_towards_lockout(counsellor: User) -> None:
    add_totp(counsellor)
    client = Client(REMOTE_ADDR="203.0.113.10")
    _password(client, "counsellor")
    statuses = [client.post(CODE, {"token": "000000"}).status_code for _ in range(3)]
    assert statuses[-1] == 429
    assert AuditEvent.objects.filter(action="auth.code_failed", outcome="denied").count() >= 2


def test_first_sign_in_requires_authenticator_set_up(client: Client, counsellor: User) -> None:
    response = _password(client, "counsellor")
    assert response["Location"] == SETUP
    page = client.get(SETUP)
    assert page.status_code == 200 and "<svg" in page.text
    device = TOTPDevice.objects.get(user=counsellor, confirmed=False)
    assert client.post(SETUP, {"token": "123456" if current_code(device) != "123456" else "654321"}).status_code == 200
    response = client.post(SETUP, {"token": current_code(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert client.get(DASHBOARD).status_code == 200
    # Stored as digests only: the plaintext codes are nowhere in the database.
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert not stored & set(codes) and len(stored) == 10


def test_recovery_code_works_once(counsellor: User) -> None:
    setup = Client()
    _password(setup, "counsellor")
    setup.get(SETUP)
    device = TOTPDevice.objects.get(user=counsellor, confirmed=False)
    codes = setup.post(SETUP, {"token": current_code(device)}).context["codes"]
    other = Client()
    _password(other, "counsellor")
    assert other.post(CODE, {"token": codes[0].upper()}).status_code == 302
    assert other.get(DASHBOARD).status_code == 200
    again = Client()
    _password(again, "counsellor")
    assert again.post(CODE, {"token": codes[0]}).status_code == 200
    assert again.get(DASHBOARD).status_code == 302


def test_platform_roles_sign_in_without_second_factor(client: Client, db) -> None:
    user = UserFactory(username="pf")
    MembershipFactory(user=user, role=Role.PLATFORM_MEMBER)
    assert _password(client, "pf")["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200


def test_passwords_are_hashed_with_argon2(db) -> None:
    user = User.objects.create_user("argon", TEST_PASSWORD)
    assert identify_hasher(user.password).algorithm.startswith("argon2")


def test_production_hasher_is_argon2(settings) -> None:
    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[-1] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize("password", ["short pass", "a" * 300])
def test_password_rules(db, password: str) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(password)


def test_long_passphrases_are_accepted(db) -> None:
    from django.contrib.auth.password_validation import validate_password

    validate_password("これは長いパスフレーズです " * 5 + "tsunagu")  # 80+ characters, no composition rules


def test_common_password_refused(db) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("password1234")


def test_demo_codes_shown_only_in_demo_mode(client: Client, db, settings) -> None:
    from tsunagu.accounts import demo

    demo.seed()
    settings.TSUNAGU_DEMO = True
    assert "demo-counsellor" in client.get(LOGIN).text
    settings.TSUNAGU_DEMO = False
    assert "demo-counsellor" not in client.get(LOGIN).text
