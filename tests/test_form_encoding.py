"""A form whose text is not valid in the character set it declares is refused with a clear 400, and
nothing is stored (issue 14, finding 4; issue 15, item 1): tsunagu.core.encoding.

Before, Django decoded an urlencoded body with a stray byte as Latin-1 as a whole, so the person's
message was stored garbled ("å¤\x9c…" for 「夜…」), and a bad byte in a multipart field became U+FFFD."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from django.test import Client

from tsunagu.consultations.models import Message
from tsunagu.consultations.tests import asgi_server
from tsunagu.consultations.tests.consultation_data import make_desks

pytestmark = pytest.mark.django_db

URLENCODED = "application/x-www-form-urlencoded"
NIGHT = "夜になると不安になります"
REFUSED = "The form could not be read"


@pytest.fixture
def secret(world) -> str:
    make_desks(world)
    response = Client().post("/en/chat/", {"at_risk": ""})
    found = re.search(r'name="secret" value="([^"]+)"', response.content.decode())
    assert found
    return found.group(1)


def multipart(
    fields: list[tuple[str, bytes]], *, files: list[tuple[str, str, bytes]] | None = None, boundary: str = "b0undary"
) -> bytes:
    parts = [
        b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + value
        for name, value in fields
    ]
    parts += [
        b"--"
        + boundary.encode()
        + f'\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode()
        + b"Content-Type: text/csv\r\n\r\n"
        + content
        for name, filename, content in files or []
    ]
    return b"\r\n".join(parts) + b"\r\n--" + boundary.encode() + b"--\r\n"


def send(body: bytes, content_type: str, **headers: str) -> tuple[int, str]:
    response = Client().generic("POST", "/en/chat/send/", body, content_type=content_type, **headers)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        "夜".encode() + b"\xff\xfe",  # raw bytes that are not UTF-8
        b"%E5%A4%9C%FF",  # an escape that decodes to bytes that are not UTF-8
        b"%ED%A0%80",  # a lone surrogate, escaped
    ],
    ids=["raw", "escaped", "surrogate"],
)
def test_an_urlencoded_message_that_is_not_utf8_is_refused_and_not_stored(secret, body):
    status, page = send(b"secret=" + secret.encode() + b"&body=" + body, URLENCODED)
    assert status == 400
    assert REFUSED in page and "nothing was saved" in page
    assert Message.objects.filter(sender="person").count() == 0


def test_a_multipart_field_that_is_not_valid_in_its_charset_is_refused(secret):
    body = multipart([("secret", secret.encode()), ("body", NIGHT.encode()[:-1] + b"\x80\x80")])
    status, page = send(body, "multipart/form-data; boundary=b0undary")
    assert status == 400 and REFUSED in page
    assert Message.objects.filter(sender="person").count() == 0


def test_a_part_whose_headers_are_not_utf8_is_refused_rather_than_dropped(secret):
    body = multipart([("secret", secret.encode()), ("body", NIGHT.encode())]).replace(
        b'name="body"', b'name="b\xffody"'
    )
    status, page = send(body, "multipart/form-data; boundary=b0undary")
    assert status == 400 and REFUSED in page


@pytest.mark.parametrize(
    "content_type",
    [URLENCODED + "; charset=x-no-such-charset", "multipart/form-data; boundary=b0undary; charset=base64"],
)
def test_a_form_in_an_unknown_charset_is_refused(secret, content_type):
    body = multipart([("secret", secret.encode()), ("body", b"hello")])
    if content_type.startswith(URLENCODED):
        body = b"secret=" + secret.encode() + b"&body=hello"
    status, page = send(body, content_type)
    assert status == 400 and REFUSED in page
    assert Message.objects.filter(sender="person").count() == 0


def test_the_chat_script_gets_the_refusal_as_json(secret):
    status, body = send(b"secret=" + secret.encode() + b"&body=%FF", URLENCODED, HTTP_ACCEPT="application/json")
    assert status == 400
    assert "nothing was saved" in body and body.startswith('{"error": ')


def test_valid_forms_are_stored_as_sent(secret):
    assert send(f"secret={secret}&body=%E5%A4%9C".encode(), URLENCODED)[0] == 200
    plain = multipart([("secret", secret.encode()), ("body", NIGHT.encode())])
    assert send(plain, "multipart/form-data; boundary=b0undary")[0] == 200
    # A field in the charset the form declares (an old phone's Shift_JIS page) is read in it.
    shift_jis = multipart([("secret", secret.encode()), ("body", "眠れない".encode("shift_jis"))])
    assert send(shift_jis, "multipart/form-data; boundary=b0undary; charset=shift_jis")[0] == 200
    # An uploaded file is bytes, never decoded: a Shift_JIS CSV does not make the form unreadable.
    with_file = multipart(
        [("secret", secret.encode()), ("body", "ファイル付き".encode())],
        files=[("file", "list.csv", "名称,住所\r\n子ども食堂,鳥取市\r\n".encode("shift_jis"))],
    )
    assert send(with_file, "multipart/form-data; boundary=b0undary")[0] == 200
    assert [m.body for m in Message.objects.filter(sender="person").order_by("seq")] == [
        "夜",
        NIGHT,
        "眠れない",
        "ファイル付き",
    ]


def test_a_malformed_multipart_body_gets_the_same_clear_answer(secret):
    status, page = send(b"--x\r\nno headers", "multipart/form-data; boundary=")
    assert status == 400 and REFUSED in page


def test_the_japanese_page_says_it_in_japanese(secret):
    response = Client().generic(
        "POST", "/chat/send/", b"secret=" + secret.encode() + b"&body=%FF", content_type=URLENCODED
    )
    assert response.status_code == 400
    assert '<html lang="ja">' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_running_server_refuses_invalid_utf8_too(world):
    """daphne (ASGI) reads the body into a spooled file before Django sees it: the same answer."""
    make_desks(world)
    server = asgi_server.start()
    try:
        request = urllib.request.Request(server.url + "/en/chat/", data=b"at_risk=", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            found = re.search(r'name="secret" value="([^"]+)"', response.read().decode())
        assert found
        garbled = b"secret=" + found.group(1).encode() + b"&body=" + NIGHT.encode() + b"\xff"
        request = urllib.request.Request(server.url + "/en/chat/send/", data=garbled, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400 and REFUSED in refused.value.read().decode()
    finally:
        server.stop()
    assert Message.objects.filter(sender="person").count() == 0
