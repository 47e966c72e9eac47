"""Text messages (SMS), sent the way Django sends e-mail: through a backend named by a setting.

``send_sms(to, text)`` hands one message to the backend named by ``TSUNAGU_SMS_BACKEND`` (a dotted
path to a class). A backend subclasses ``BaseSmsBackend`` and implements ``send_messages``, which
returns how many messages it accepted. tsunagu ships three:

- ``ConsoleBackend`` (the default, for development): writes each message to standard output, with
  the number masked but for its last four digits;
- ``FileBackend``: writes each message into its own file in ``TSUNAGU_SMS_FILE_PATH`` (like Django's
  file-based e-mail backend), for tests and for a machine without an SMS provider;
- ``LocmemBackend``: keeps the messages in ``tsunagu.core.sms.outbox`` (tests in one process).

A real provider plugs in by setting: a class with the same interface, in any installed module, that
reads its own credentials from the environment. Numbers are normalised to digits and an optional
leading ``+`` (``090-1234-5678`` → ``09012345678``); what a number means for a provider (national
or E.164) is the provider backend's concern.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from tsunagu.core.crypto import normalise_phone


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str


def normalise_number(value: str) -> str:
    """Digits only, keeping a leading ``+`` (an international number); "" if there are no digits."""
    digits = normalise_phone(value)
    if not digits:
        return ""
    return ("+" if value.strip().startswith(("+", "＋")) else "") + digits


def masked(number: str) -> str:
    """A number as it may appear in a log: all but the last four digits hidden."""
    return "*" * max(0, len(number) - 4) + number[-4:]


class BaseSmsBackend:
    """What every SMS backend is: ``send_messages`` returns how many messages were accepted. With
    ``fail_silently``, a backend that cannot send returns 0 instead of raising."""

    def __init__(self, *, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        raise NotImplementedError("an SMS backend must implement send_messages()")


class ConsoleBackend(BaseSmsBackend):
    """Writes each message to a stream (standard output), the number masked."""

    def __init__(self, *, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {masked(message.to)}\n{message.text}\n{'-' * 40}\n")
            self.stream.flush()
        return len(messages)


class FileBackend(BaseSmsBackend):
    """Writes each message into a file of its own in ``file_path`` (``TSUNAGU_SMS_FILE_PATH``):
    a first line ``To: <number>``, an empty line, the text. Files are readable by the owner only."""

    def __init__(self, *, file_path: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        path = file_path or getattr(settings, "TSUNAGU_SMS_FILE_PATH", "")
        if not path:
            raise ImproperlyConfigured("The SMS file backend needs TSUNAGU_SMS_FILE_PATH")
        self.file_path = Path(path)
        if self.file_path.exists() and not self.file_path.is_dir():
            raise ImproperlyConfigured(f"TSUNAGU_SMS_FILE_PATH is not a directory: {self.file_path}")

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        try:
            self.file_path.mkdir(parents=True, exist_ok=True, mode=0o700)
            for message in messages:
                stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
                target = self.file_path / f"{stamp}-{uuid.uuid4().hex[:12]}.sms"
                descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    handle.write(f"To: {message.to}\n\n{message.text}\n")
        except OSError:
            if not self.fail_silently:
                raise
            return 0
        return len(messages)


#: What ``LocmemBackend`` has sent, oldest first (tests empty it themselves).
outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    """Keeps the messages in ``tsunagu.core.sms.outbox`` (this process only)."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend(backend: str | None = None, **kwargs: Any) -> BaseSmsBackend:
    """An instance of the backend named by ``backend`` or, by default, ``TSUNAGU_SMS_BACKEND``."""
    path = str(backend or getattr(settings, "TSUNAGU_SMS_BACKEND", "") or "tsunagu.core.sms.ConsoleBackend")
    klass = import_string(path)
    if not (isinstance(klass, type) and issubclass(klass, BaseSmsBackend)):
        raise ImproperlyConfigured(f"TSUNAGU_SMS_BACKEND is not an SMS backend: {path}")
    return klass(**kwargs)


def send_sms(to: str, text: str, *, fail_silently: bool = False, backend: BaseSmsBackend | None = None) -> int:
    """Send one text message; returns 1 if the backend accepted it, 0 if not (or no number)."""
    number = normalise_number(to)
    if not number:
        if fail_silently:
            return 0
        raise ValueError("an SMS needs a number")
    connection = backend or get_backend(fail_silently=fail_silently)
    return connection.send_messages([SmsMessage(to=number, text=text)])
