import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tsunagu.accounts.tests.factories import UserFactory
from tsunagu.audit.models import AuditEvent

OLD = [("old", b"o" * 32)]
NEW = [("new", b"n" * 32), ("old", b"o" * 32)]


def _raw(pk: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT display_name, email, phone FROM accounts_user WHERE id = %s", [pk])
        return list(cursor.fetchone())


@pytest.mark.django_db
def test_rotation_re_encrypts_every_value_with_the_new_key():
    with override_settings(TSUNAGU_ENCRYPTION_KEYS=OLD):
        users = [UserFactory(display_name=f"名前{i}", email=f"u{i}@example.invalid", phone="") for i in range(7)]
        assert all(v.startswith("enc1:old:") for v in _raw(users[0].pk)[:2])
    with override_settings(TSUNAGU_ENCRYPTION_KEYS=NEW):
        call_command("rotate_encryption_keys", batch_size=3)
        for user in users:
            display_name, email, phone = _raw(user.pk)
            assert display_name.startswith("enc1:new:") and email.startswith("enc1:new:")
            assert phone == ""  # empty stays empty
    with override_settings(TSUNAGU_ENCRYPTION_KEYS=[("new", b"n" * 32)]):  # old key removed
        user = type(users[3]).objects.get(pk=users[3].pk)
        assert user.display_name == "名前3"
    assert AuditEvent.objects.filter(action="crypto.keys_rotated").exists()
