"""An unknown public address answers 404 inside the portal's frame (crisis banner, quick exit) in
the language of its prefix; an unknown staff address keeps the staff frame."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("path", "lang"), [("/no-such-page/", "ja"), ("/ko/no-such-page/", "ko"), ("/en/x/", "en")])
def test_an_unknown_public_address_gets_the_portal_frame(path: str, lang: str) -> None:
    response = Client().get(path)
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{lang}">' in html
    assert 'class="quick-exit"' in html and 'href="tel:110"' in html
    assert not response.cookies


def test_an_unknown_staff_address_keeps_the_staff_frame() -> None:
    response = Client().get("/staff/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="quick-exit"' not in html
