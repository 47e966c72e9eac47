"""The SMS interface (tsunagu/core/sms.py): a backend named by a setting, as Django sends e-mail."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tsunagu.core import sms


def test_the_file_backend_writes_one_file_per_message(settings, tmp_path: Path) -> None:
    settings.TSUNAGU_SMS_BACKEND = "tsunagu.core.sms.FileBackend"
    settings.TSUNAGU_SMS_FILE_PATH = str(tmp_path / "out")
    assert sms.send_sms("090-1234-5678", "一通目 https://example.jp/a") == 1
    assert sms.send_sms("+81 90 1234 5679", "二通目") == 1
    files = sorted((tmp_path / "out").iterdir(), key=lambda path: path.read_text(encoding="utf-8"))
    assert [path.read_text(encoding="utf-8") for path in files] == [
        "To: +819012345679\n\n二通目\n",
        "To: 09012345678\n\n一通目 https://example.jp/a\n",
    ]
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)


def test_the_console_backend_masks_the_number() -> None:
    stream = io.StringIO()
    backend = sms.ConsoleBackend(stream=stream)
    assert sms.send_sms("09012345678", "テスト", backend=backend) == 1
    assert stream.getvalue().startswith("SMS to *******5678\nテスト\n")
    assert "09012345678" not in stream.getvalue()


def test_the_locmem_backend_and_a_backend_chosen_by_setting(settings) -> None:
    settings.TSUNAGU_SMS_BACKEND = "tsunagu.core.sms.LocmemBackend"
    sms.outbox.clear()
    sms.send_sms("０９０１２３４５６７８", "全角の番号")
    assert sms.outbox == [sms.SmsMessage(to="09012345678", text="全角の番号")]
    sms.outbox.clear()


def test_a_wrong_backend_or_number_is_refused(settings, tmp_path: Path) -> None:
    settings.TSUNAGU_SMS_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with pytest.raises(ImproperlyConfigured):
        sms.get_backend()
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("x")
    with pytest.raises(ImproperlyConfigured):
        sms.FileBackend(file_path=not_a_directory)
    with pytest.raises(ValueError):
        sms.send_sms("番号なし", "x", backend=sms.LocmemBackend())
    assert sms.send_sms("", "x", backend=sms.LocmemBackend(), fail_silently=True) == 0
