"""Typed helpers that read settings from the environment and fail loudly on bad values.

Every secret may be given directly (``NAME``) or as a path to a file holding it
(``NAME_FILE``), the convention of container secrets and systemd credentials.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    def __init__(self, environ: Mapping[builtins.str, builtins.str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def _raw(self, name: builtins.str) -> builtins.str | None:
        value = self._environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def str(
        self, name: builtins.str, default: builtins.str | None = None, *, choices: tuple[builtins.str, ...] = ()
    ) -> builtins.str:
        value = self._raw(name)
        if value is None:
            if default is None:
                raise ImproperlyConfigured(f"{name} must be set")
            value = default
        if choices and value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}")
        return value

    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no)")

    def int(
        self,
        name: builtins.str,
        default: builtins.int,
        *,
        minimum: builtins.int | None = None,
        maximum: builtins.int | None = None,
    ) -> builtins.int:
        value = self._raw(name)
        if value is None:
            result = default
        else:
            try:
                result = int(value)
            except ValueError:
                raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
        if minimum is not None and result < minimum:
            raise ImproperlyConfigured(f"{name}={result} is below the minimum {minimum}")
        if maximum is not None and result > maximum:
            raise ImproperlyConfigured(f"{name}={result} is above the maximum {maximum}")
        return result

    def list(
        self, name: builtins.str, default: builtins.list[builtins.str] | None = None
    ) -> builtins.list[builtins.str]:
        value = self._raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def secret(self, name: builtins.str, *, default_file: Path | None = None) -> builtins.str | None:
        """Return NAME, or the content of the file named by NAME_FILE (or ``default_file``)."""
        direct = self._raw(name)
        file_name = self._raw(f"{name}_FILE")
        if direct is not None and file_name is not None:
            raise ImproperlyConfigured(f"set either {name} or {name}_FILE, not both")
        if direct is not None:
            return direct
        path = Path(file_name) if file_name is not None else default_file
        if path is None:
            return None
        if file_name is None and not path.exists():
            return None
        try:
            content = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"cannot read {name} from {path}: {exc.strerror}") from None
        if not content:
            raise ImproperlyConfigured(f"{name} file {path} is empty")
        return content
