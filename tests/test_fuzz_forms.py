"""Hostile input to every form: never a 500, never a change, always a message the person can read.

Hypothesis posts full-width and kana/kanji text, NUL and other control characters, 10,000-character
strings, numbers and lists (several values for one key), blanks, injection strings and emoji to
the sign-in, one-time-code and administration forms, URL-encoded (what a browser sends) or
multipart, with random extra keys. Each example picks a few fields to make hostile and fills the
others with plausible values, so the deeper paths (services, model validation) are reached too.
Where a random input could be valid, the test either forces one field to be invalid or accepts
exactly the one change a valid submission makes.

django-axes counts failed passwords and codes (5 per username + IP, then HTTP 429 with the
"sign-in paused" page). A 429 is a correct answer, not a crash; the counters are reset before
every example so that most examples reach the form itself.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from axes.utils import reset as axes_reset
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from tests.hostile import (
    ANY_CHAR,
    BLANK,
    DATE,
    FULL_WIDTH,
    HIRAGANA,
    HUGE,
    JAPANESE,
    KANJI,
    KATAKANA,
    VALUE,
    WITH_CONTROL,
    form_data,
    last,
)
from tsunagu.accounts import session_policy
from tsunagu.accounts.models import Membership, Organisation, OrganisationType, User
from tsunagu.accounts.policy import Role
from tsunagu.accounts.tests.factories import TEST_PASSWORD, MembershipFactory, OrganisationFactory, UserFactory
from tsunagu.accounts.tests.personas import World
from tsunagu.core.validators import local_government_check_digit

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- hostile values: tests/hostile.py (shared with the public side's fuzzing) ----------------------

# --- plausible values -----------------------------------------------------------------------------

PERSONA_USERNAMES = st.sampled_from(["system-admin-c", "counsellor-a", "platform-member-d", "auditor-c"])
USERNAME = PERSONA_USERNAMES | st.from_regex(r"[A-Za-z0-9@.+_-]{1,64}", fullmatch=True)
PASSWORD = st.text(ANY_CHAR, min_size=1, max_size=40)
NEW_PASSWORD = st.text(st.characters(categories=["L", "N", "P", "Zs"]), min_size=12, max_size=40)
TOKEN = (
    st.from_regex(r"[0-9]{6}", fullmatch=True)
    | st.from_regex(r"[a-z2-9]{5}-[a-z2-9]{5}", fullmatch=True)
    | (st.text(st.characters(min_codepoint=0xFF10, max_codepoint=0xFF19), min_size=6, max_size=6))
)
NEXT = st.sampled_from(
    [
        "/staff/dashboard/",
        "/staff/manage/users/?q=a&page=2",
        "dashboard",
        "accounts:logout",
        "foo",
        "?x=1",
        "#top",
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
    ]
)
MUNICIPALITY = st.integers(min_value=1000, max_value=47999).map(
    lambda n: f"{n:05d}{local_government_check_digit(f'{n:05d}')}"
) | st.just("")
PHONE = st.from_regex(r"0[0-9]{1,4}-[0-9]{1,4}-[0-9]{4}", fullmatch=True)
EMAIL = st.emails() | st.just("")
ORGANISATION = {
    "name": JAPANESE,
    "name_kana": st.text(KATAKANA, max_size=40),
    "type": st.sampled_from(OrganisationType.values),
    "municipality_code": MUNICIPALITY,
    "contact_phone": PHONE | st.just(""),
    "contact_email": EMAIL,
}
CONTACT = {"display_name": JAPANESE | st.just(""), "email": EMAIL, "phone": PHONE | st.just("")}

# --- helpers --------------------------------------------------------------------------------------


def post(client: Client, url: str, data: dict[str, Any], multipart: bool):  # type: ignore[no-untyped-def]
    if multipart:
        return client.post(url, data)
    return client.post(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")


def state() -> dict[str, Any]:
    """Everything these forms could change: organisations, users (with password hashes), memberships, devices."""
    return {
        "organisations": list(
            Organisation.objects.order_by("pk").values_list(
                "pk", "name", "name_kana", "type", "municipality_code", "contact_phone", "contact_email", "is_active"
            )
        ),
        "users": [
            (u.pk, u.username, u.password, u.display_name, u.email, u.phone, u.is_active, u.security_stamp)
            for u in User.objects.order_by("pk")
        ],
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "user_id", "organisation_id", "role")),
        "confirmed_devices": list(
            TOTPDevice.objects.filter(confirmed=True).order_by("pk").values_list("pk", "user_id")
        ),
    }


def shows_error(response) -> bool:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    return 'class="errorlist' in html and ('aria-invalid="true"' in html or "nonfield" in html)


def assert_refused(response, before: dict[str, Any], *, status: int | tuple[int, ...]) -> None:  # type: ignore[no-untyped-def]
    allowed = status if isinstance(status, tuple) else (status,)
    if currently_in_test_context():
        event(f"HTTP {response.status_code}")  # --hypothesis-show-statistics: how often each answer came
    assert response.status_code in allowed, response.status_code
    if response.status_code == 429:
        assert "<h1>" in response.content.decode()  # the "sign-in paused" page, not a bare error
    else:
        assert shows_error(response), "invalid input answered without an error message"
    assert state() == before, "invalid input changed something"


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def is_local(location: str) -> bool:
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc and location.startswith("/") and not location.startswith(("//", "/\\"))


def pending_client(username: str, expected: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse(expected)
    return client


# --- sign-in, one-time code, second-factor set-up --------------------------------------------------


@FUZZ
@given(data=form_data(username=USERNAME, password=PASSWORD, next=NEXT), multipart=st.booleans())
def test_login_rejects_hostile_input(world: World, data: dict[str, Any], multipart: bool) -> None:
    axes_reset()
    client = Client()
    before = state()
    response = post(client, reverse("accounts:login"), data, multipart)
    # Random passwords are never right: the form comes back with a message, or sign-in is paused (429).
    assert_refused(response, before, status=(200, 429))
    assert not signed_in(client)
    assert session_policy.PENDING not in client.session


@FUZZ
@given(next_url=NEXT | VALUE, multipart=st.booleans())
def test_login_with_right_password_only_redirects_locally(world: World, next_url: Any, multipart: bool) -> None:
    axes_reset()
    client = Client()
    data = {"username": "platform-member-d", "password": TEST_PASSWORD, "next": next_url}  # no second factor
    response = post(client, reverse("accounts:login"), data, multipart)
    assert response.status_code == 302
    assert is_local(response["Location"]), response["Location"]
    assert signed_in(client)


@FUZZ
@given(data=form_data(token=TOKEN, next=NEXT), pending=st.booleans(), multipart=st.booleans())
def test_login_code_rejects_hostile_input(world: World, data: dict[str, Any], pending: bool, multipart: bool) -> None:
    axes_reset()
    client = pending_client("system-admin-c", "accounts:login_code") if pending else Client()
    before = state()
    response = post(client, reverse("accounts:login_code"), data, multipart)
    assert not signed_in(client)
    if pending:
        # A wrong code: the form again with a message; sign-in paused after repeated failures.
        assert_refused(response, before, status=(200, 429))
    else:
        assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
        assert state() == before


@pytest.fixture
def setup_user(world: World) -> User:
    """Needs a second factor (counsellor) and has none yet: signing in leads to the set-up page."""
    user = UserFactory(username="new-counsellor")
    MembershipFactory(user=user, organisation=world.organisations["A"], role=Role.COUNSELLOR)
    return user


@FUZZ
@given(data=form_data(token=TOKEN), multipart=st.booleans())
def test_second_factor_setup_rejects_hostile_input(
    world: World, setup_user: User, data: dict[str, Any], multipart: bool
) -> None:
    axes_reset()
    client = pending_client(setup_user.username, "accounts:second_factor_setup")
    before = state()
    response = post(client, reverse("accounts:second_factor_setup"), data, multipart)
    assert_refused(response, before, status=(200, 429))
    assert not signed_in(client)
    assert not TOTPDevice.objects.filter(user=setup_user, confirmed=True).exists()


# --- step-up, own password ------------------------------------------------------------------------


@FUZZ
@given(data=form_data(password=PASSWORD | st.just(TEST_PASSWORD), token=TOKEN, next=NEXT), multipart=st.booleans())
def test_reauth_rejects_hostile_input(world: World, data: dict[str, Any], multipart: bool) -> None:
    axes_reset()
    client = world.client("system_admin_c")
    session = client.session
    session[session_policy.REAUTH_AT] = 0  # so that a wrongly accepted step-up would show
    session.save()
    before = state()
    response = post(client, reverse("accounts:reauth"), data, multipart)
    assert_refused(response, before, status=(200, 429))
    assert client.session[session_policy.REAUTH_AT] == 0


@FUZZ
@given(
    data=form_data(
        current_password=PASSWORD | st.just(TEST_PASSWORD), new_password=NEW_PASSWORD, new_password_again=NEW_PASSWORD
    ),
    multipart=st.booleans(),
)
def test_password_change_rejects_hostile_input(world: World, data: dict[str, Any], multipart: bool) -> None:
    axes_reset()
    if last(data.get("current_password")) == TEST_PASSWORD and "new_password" in data:
        data["new_password_again"] = f"{last(data['new_password'])}x"  # the right password: make the new ones differ
    client = world.client("system_admin_c")
    before = state()
    response = post(client, reverse("accounts:password_change"), data, multipart)
    assert_refused(response, before, status=(400, 429))


# --- organisations --------------------------------------------------------------------------------

BAD_TYPE = VALUE.filter(lambda v: last(v) not in OrganisationType.values)
BAD_MUNICIPALITY = (
    st.sampled_from(
        ["312012", "３１２０１２", "31201", "3120111", "abcdef", "31201x", "٣١٢٠١١", "\x00312011", "312011312011312"]
    )
    | JAPANESE
)
BAD_EMAIL = (
    st.sampled_from(
        ["not-an-email", "a@", "@example.jp", "ａ＠ｂ.ｊｐ", "<script>@x.jp", "a@b@c.jp", "x" * 300 + "@example.jp"]
    )
    | WITH_CONTROL
)
BREAK_ORGANISATION = st.one_of(
    st.tuples(st.just("name"), BLANK | WITH_CONTROL | HUGE),
    st.tuples(st.just("type"), BAD_TYPE),
    st.tuples(st.just("municipality_code"), BAD_MUNICIPALITY),
    st.tuples(st.just("contact_email"), BAD_EMAIL),
    st.tuples(st.just("contact_phone"), WITH_CONTROL | HUGE),
)


@FUZZ
@given(data=form_data(**ORGANISATION), multipart=st.booleans())
def test_organisation_create_makes_one_organisation_or_none(
    world: World, data: dict[str, Any], multipart: bool
) -> None:
    client = world.client("system_admin_c")
    before = state()
    response = post(client, reverse("accounts:organisation_create"), data, multipart)
    if response.status_code == 302:
        event("created")
        created = Organisation.objects.exclude(pk__in=[row[0] for row in before["organisations"]])
        assert created.count() == 1
        assert response["Location"] == reverse("accounts:organisation_edit", kwargs={"code": created.get().code})
        assert created.get().name == last(data["name"]).strip()
        after = state()
        assert after["users"] == before["users"] and after["memberships"] == before["memberships"]
    else:
        assert_refused(response, before, status=400)


@FUZZ
@given(data=form_data(**ORGANISATION), broken=BREAK_ORGANISATION, multipart=st.booleans())
def test_organisation_edit_rejects_hostile_input(
    world: World, data: dict[str, Any], broken: tuple[str, Any], multipart: bool
) -> None:
    field, value = broken
    data[field] = value
    client = world.client("system_admin_c")
    before = state()
    url = reverse("accounts:organisation_edit", kwargs={"code": world.organisations["D"].code})
    response = post(client, url, data, multipart)
    assert_refused(response, before, status=400)


# --- users and memberships ------------------------------------------------------------------------


@FUZZ
@given(data=form_data(username=USERNAME, password=NEW_PASSWORD, **CONTACT), multipart=st.booleans())
def test_user_create_makes_one_user_or_none(world: World, data: dict[str, Any], multipart: bool) -> None:
    client = world.client("system_admin_c")
    before = state()
    response = post(client, reverse("accounts:user_create"), data, multipart)
    if response.status_code == 302:
        event("created")
        created = User.objects.exclude(pk__in=[row[0] for row in before["users"]])
        assert created.count() == 1
        assert created.get().username == last(data["username"]).strip()
        assert response["Location"] == reverse("accounts:user_detail", kwargs={"code": created.get().code})
        after = state()
        assert after["users"][: len(before["users"])] == before["users"]  # nobody else touched
        assert after["memberships"] == before["memberships"] and after["organisations"] == before["organisations"]
    else:
        assert_refused(response, before, status=400)


BREAK_CONTACT = st.one_of(
    st.tuples(st.just("display_name"), WITH_CONTROL | HUGE),
    st.tuples(st.just("email"), BAD_EMAIL),
    st.tuples(
        st.just("phone"),
        WITH_CONTROL
        | HUGE
        | st.sampled_from(["abc", "090-1234-５６７８x", "+81 (0)90 1234 5678 内線", "⑴" * 11, "<script>"]),
    ),
)


@FUZZ
@given(data=form_data(**CONTACT), broken=BREAK_CONTACT, multipart=st.booleans())
def test_user_contact_update_rejects_hostile_input(
    world: World, data: dict[str, Any], broken: tuple[str, Any], multipart: bool
) -> None:
    field, value = broken
    data[field] = value
    client = world.client("system_admin_c")
    before = state()
    url = reverse("accounts:user_contact_update", kwargs={"code": world.users["counsellor_a"].code})
    response = post(client, url, data, multipart)
    assert_refused(response, before, status=400)


BAD_PASSWORD = st.one_of(
    st.text(ANY_CHAR, max_size=11),  # shorter than 12 characters (or empty)
    WITH_CONTROL,
    HUGE,  # longer than the form's 1,024
    st.text(FULL_WIDTH | HIRAGANA | KANJI, min_size=257, max_size=300),  # longer than the policy's 256
    st.sampled_from(["counsellor-a", "counsellor-a1", "password1234"]),  # like the username; too common
)


@FUZZ
@given(
    data=form_data(next=NEXT),
    password=BAD_PASSWORD | st.lists(BAD_PASSWORD, min_size=2, max_size=3),
    multipart=st.booleans(),
)
def test_user_password_reset_rejects_hostile_input(
    world: World, data: dict[str, Any], password: Any, multipart: bool
) -> None:
    data["password"] = password
    client = world.client("system_admin_c")
    before = state()
    url = reverse("accounts:user_password_reset", kwargs={"code": world.users["counsellor_a"].code})
    response = post(client, url, data, multipart)
    assert_refused(response, before, status=400)


@pytest.fixture
def inactive_organisation(world: World) -> Organisation:
    return OrganisationFactory(name="解散した団体", is_active=False)


@FUZZ
@given(data=st.data(), multipart=st.booleans())
def test_membership_add_rejects_hostile_input(
    world: World, inactive_organisation: Organisation, data: st.DataObject, multipart: bool
) -> None:
    active_codes = [str(o.code) for o in world.organisations.values()]
    posted = data.draw(form_data(organisation=st.sampled_from(active_codes), role=st.sampled_from(Role.values)))
    breaker = data.draw(st.sampled_from(["organisation", "inactive", "role", "duplicate"]))
    if breaker == "organisation":
        posted["organisation"] = data.draw(VALUE.filter(lambda v: last(v) not in active_codes))
    elif breaker == "inactive":
        posted["organisation"] = str(inactive_organisation.code)
    elif breaker == "role":
        posted["role"] = data.draw(VALUE.filter(lambda v: last(v) not in Role.values))
    else:  # counsellor_a already is a counsellor in A
        posted.update(organisation=str(world.organisations["A"].code), role=Role.COUNSELLOR.value)
    client = world.client("system_admin_c")
    before = state()
    url = reverse("accounts:membership_add", kwargs={"code": world.users["counsellor_a"].code})
    response = post(client, url, posted, multipart)
    assert_refused(response, before, status=400)


# --- choosing the organisation to act for --------------------------------------------------------


@FUZZ
@given(data=st.data(), multipart=st.booleans())
def test_org_select_never_fails_and_only_redirects_locally(world: World, data: st.DataObject, multipart: bool) -> None:
    own = str(world.organisations["C"].code)
    posted = data.draw(
        form_data(
            organisation=st.just(own) | st.sampled_from([str(o.code) for o in world.organisations.values()]), next=NEXT
        )
    )
    client = world.client("system_admin_c")
    session = client.session
    session.pop(session_policy.ACTING_ORG)
    session.save()
    before = state()
    response = post(client, reverse("accounts:org_select"), posted, multipart)
    assert state() == before
    if "organisation" in posted and last(posted["organisation"]) == own:
        assert response.status_code == 302
        assert is_local(response["Location"]), response["Location"]
        assert client.session[session_policy.ACTING_ORG] == own
    else:  # not one of this user's organisations, or nothing chosen
        assert response.status_code == 400
        assert shows_error(response)
        assert session_policy.ACTING_ORG not in client.session


@FUZZ
@given(next_url=NEXT | VALUE)
def test_login_page_for_signed_in_user_only_redirects_locally(world: World, next_url: Any) -> None:
    client = world.client("counsellor_a")
    response = client.get(reverse("accounts:login"), {"next": next_url})
    assert response.status_code == 302
    assert is_local(response["Location"]), response["Location"]


# --- lists and the audit log, with hostile query strings ------------------------------------------

AUDIT_QUERY = form_data(
    action=st.sampled_from(["auth.", "audit.viewed", "access.denied", ""]),
    outcome=st.sampled_from(["", "allowed", "denied"]),
    actor=PERSONA_USERNAMES | st.just(""),
    target=st.uuids().map(str) | st.just(""),
    since=DATE | st.just(""),
    until=DATE | st.just(""),
    page=st.integers(min_value=-3, max_value=5),
)


@FUZZ
@given(query=AUDIT_QUERY)
def test_audit_log_filters_never_fail(world: World, query: dict[str, Any]) -> None:
    client = world.client("auditor_c")
    response = client.get(reverse("accounts:audit_log"), query)
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert shows_error(response)


LIST_QUERY = form_data(
    q=JAPANESE | PERSONA_USERNAMES,
    type=st.sampled_from(OrganisationType.values),
    page=st.integers(min_value=-3, max_value=5),
)


@FUZZ
@given(query=LIST_QUERY, name=st.sampled_from(["accounts:organisation_list", "accounts:user_list"]))
def test_admin_lists_never_fail(world: World, query: dict[str, Any], name: str) -> None:
    client = world.client("system_admin_c")
    response = client.get(reverse(name), query)
    assert response.status_code == 200


# --- regressions found by the fuzzing above ------------------------------------------------------


@pytest.mark.parametrize("next_url", ["dashboard", "accounts:logout", "?x=1", "#top"])
def test_next_that_is_not_a_path_falls_back_to_the_default(world: World, next_url: str) -> None:
    # redirect() took these for URL pattern names: NoReverseMatch, HTTP 500.
    client = world.client("system_admin_c")
    assert client.get(reverse("accounts:login"), {"next": next_url})["Location"] == reverse("accounts:dashboard")
    response = client.post(
        reverse("accounts:org_select"), {"organisation": str(world.organisations["C"].code), "next": next_url}
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:dashboard")


def test_next_survives_the_organisation_choice_after_sign_in(world: World) -> None:
    # The next URL was appended unencoded, so "&page=2" was lost on the way through org_select.
    user = UserFactory(username="two-platforms")
    MembershipFactory(user=user, organisation=world.organisations["C"], role=Role.PLATFORM_SECRETARIAT)
    MembershipFactory(user=user, organisation=world.organisations["D"], role=Role.PLATFORM_MEMBER)
    next_url = "/staff/dashboard/?q=a&page=2"
    response = Client().post(
        reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD, "next": next_url}
    )
    location = urlsplit(response["Location"])
    assert response.status_code == 302 and location.path == reverse("accounts:org_select")
    assert parse_qs(location.query) == {"next": [next_url]}


@pytest.mark.parametrize("query", [{"since": "0001-01-01"}, {"until": "0001-01-01"}, {"until": "9999-12-31"}])
def test_audit_log_accepts_the_extreme_dates(world: World, query: dict[str, str]) -> None:
    # 0001-01-01 00:00 in Tokyo is before datetime's minimum in UTC: OverflowError, HTTP 500.
    response = world.client("auditor_c").get(reverse("accounts:audit_log"), query)
    assert response.status_code == 200


def test_phone_that_grows_under_normalisation_is_refused(world: World) -> None:
    # "⑴" is one character and NFKC turns it into "(1)": 11 of them passed the form's 32 and were stored as 33.
    client = world.client("system_admin_c")
    before = state()
    url = reverse("accounts:user_contact_update", kwargs={"code": world.users["counsellor_a"].code})
    response = client.post(url, {"display_name": "", "email": "", "phone": "⑴" * 11})
    assert response.status_code == 400
    assert _field_marked_invalid(response.content.decode(), "phone")
    assert state() == before


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("accounts:login", 200),
        ("accounts:reauth", 200),
        ("accounts:organisation_create", 400),
        ("accounts:user_create", 400),
    ],
)
def test_an_empty_submission_is_answered_with_a_message(world: World, name: str, status: int) -> None:
    # An empty body used to be treated like a GET: the blank form again, with no word about why.
    client = Client() if name == "accounts:login" else world.client("system_admin_c")
    before = state()
    response = client.post(reverse(name), "", content_type="application/x-www-form-urlencoded")
    assert_refused(response, before, status=status)


# --- the message itself, in Japanese and in English -------------------------------------------------

CHECK_DIGIT = "The check digit of this local government code is wrong."
CONTROL_CHARACTERS = "Remove control characters from this field."


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return str(translation.gettext(msgid))


def _field_marked_invalid(html: str, name: str) -> bool:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    return tag is not None and 'aria-invalid="true"' in tag.group(0)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_wrong_check_digit_is_explained_in_the_chosen_language(world: World, language: str) -> None:
    client = world.client("system_admin_c")
    if language == "en":
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    before = state()
    response = client.post(
        reverse("accounts:organisation_create"),
        {"name": "新しい団体", "type": OrganisationType.NPO, "municipality_code": "312012"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert f'<html lang="{language}"' in html
    assert _field_marked_invalid(html, "municipality_code")
    assert state() == before
    if language == "ja":
        assert "この地方公共団体コードの検査数字が正しくありません。" in html
        assert CHECK_DIGIT not in html
    else:
        assert CHECK_DIGIT in html


@pytest.mark.parametrize("language", ["ja", "en"])
def test_nul_byte_in_username_is_explained_in_the_chosen_language(world: World, language: str) -> None:
    client = Client()
    if language == "en":
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("accounts:login"), {"username": "system-admin-c\x00", "password": TEST_PASSWORD})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}"' in html
    assert _field_marked_invalid(html, "username")
    assert _in(language, CONTROL_CHARACTERS) in html
    assert not signed_in(client)
    if language == "ja":
        assert _in("ja", CONTROL_CHARACTERS) != CONTROL_CHARACTERS, "the Japanese catalogue lacks this message"
