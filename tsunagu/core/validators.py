"""Validators for Japanese identifiers."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def local_government_check_digit(first_five: str) -> int:
    """JIS X 0402 check digit: weights 6..2, modulus 11, last digit of (11 - remainder)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def normalise_local_government_code(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def validate_local_government_code(value: str) -> None:
    """A 6-digit 全国地方公共団体コード with a correct check digit (e.g. 312011 for 鳥取市)."""
    code = normalise_local_government_code(value)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValidationError(_("Enter the 6-digit local government code (e.g. 312011)."), code="format")
    if local_government_check_digit(code[:5]) != int(code[5]):
        raise ValidationError(_("The check digit of this local government code is wrong."), code="check_digit")
