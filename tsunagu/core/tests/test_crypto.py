import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from tsunagu.core import crypto
from tsunagu.core.keys import parse_key, parse_key_list

KEY1 = base64.b64encode(b"1" * 32).decode()
KEY2 = base64.b64encode(b"2" * 32).decode()


def test_round_trip_and_fresh_nonce():
    a = crypto.encrypt("山田 花子", context="accounts.user.display_name")
    b = crypto.encrypt("山田 花子", context="accounts.user.display_name")
    assert a != b  # random nonce: equal plaintexts do not give equal ciphertexts
    assert "山田" not in a
    assert crypto.decrypt(a, context="accounts.user.display_name") == "山田 花子"


def test_value_is_bound_to_its_field():
    token = crypto.encrypt("090-0000-0000", context="accounts.user.phone")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="accounts.user.email")


def test_tampered_ciphertext_is_rejected():
    token = crypto.encrypt("secret", context="x.y.z")
    prefix, key_id, body = token.split(":")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    forged = f"{prefix}:{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(forged, context="x.y.z")


def test_old_key_still_decrypts_after_rotation_and_new_values_use_primary():
    with override_settings(TSUNAGU_ENCRYPTION_KEYS=[("old", b"1" * 32)]):
        old = crypto.encrypt("value", context="c")
        assert crypto.key_id_of(old) == "old"
    with override_settings(TSUNAGU_ENCRYPTION_KEYS=[("new", b"2" * 32), ("old", b"1" * 32)]):
        assert crypto.decrypt(old, context="c") == "value"
        assert crypto.key_id_of(crypto.encrypt("value", context="c")) == "new"
    with override_settings(TSUNAGU_ENCRYPTION_KEYS=[("new", b"2" * 32)]), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old, context="c")


def test_blind_index_matches_equivalent_phone_numbers_only():
    a = crypto.blind_index(crypto.normalise_phone("090-1234-5678"), purpose="p")
    b = crypto.blind_index(crypto.normalise_phone("０９０１２３４５６７８"), purpose="p")
    c = crypto.blind_index(crypto.normalise_phone("090-1234-5679"), purpose="p")
    assert a == b != c
    assert crypto.blind_index("09012345678", purpose="other") != a


@pytest.mark.parametrize(
    "text",
    ["", "k1", f"k1:{KEY1[:-4]}", "bad id!:" + KEY1, f"k1:{KEY1},k1:{KEY2}", "k1:not-base64$$$"],
)
def test_bad_key_configuration_fails_loudly(text):
    with pytest.raises(ImproperlyConfigured):
        parse_key_list("TSUNAGU_ENCRYPTION_KEYS", text)


def test_key_list_order_sets_primary():
    keys = parse_key_list("X", f"k2:{KEY2}\nk1:{KEY1}")
    assert [k for k, _ in keys] == ["k2", "k1"]
    assert parse_key("Y", KEY1) == b"1" * 32
