"""The portal's other languages: every message a resident sees on the portal is translated.

The portal is offered in 简体中文, 한국어, Tiếng Việt and Português (docs/portal.md); the staff pages
are Japanese and English only. A message counts as the portal's when the catalogue says it is used
under ``tsunagu/portal/``, except in the staff pages for the furigana dictionary, or is the name of a
shipped vocabulary term (concerns, people served, kinds, channels). The やさしい日本語
catalogue (``ja_Easy``) overrides some Japanese messages and must not carry stale ones.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.test_translations import _placeholders, _translations

LOCALE = Path(settings.BASE_DIR) / "locale"
PORTAL_LANGUAGES = {"zh_Hans": 1, "ko": 1, "vi": 1, "pt_BR": 2}  # locale → number of plural forms
STAFF_ONLY = (
    "tsunagu/portal/templates/portal/staff/",
    "tsunagu/portal/views/readings.py",
    "tsunagu/portal/services.py",
    "tsunagu/portal/models.py",
    "tsunagu/portal/access.py",
    "tsunagu/portal/actions.py",
    "tsunagu/portal/doors.py",
)


#: The vocabularies' names (concerns, people served, kinds, channels) are shown on the portal.
VOCABULARIES = "tsunagu/directory/vocabularies.py"


#: The person's web chat (tsunagu/consultations) and the consent withdrawal page are portal pages too.
PUBLIC_CHAT = (
    "tsunagu/consultations/templates/consultations/chat_",
    "tsunagu/consultations/views/chat.py",
    # The person withdraws their consent to share (tsunagu/referrals), without an account.
    "tsunagu/referrals/templates/referrals/withdraw",
    "tsunagu/referrals/views/public.py",
    # The public frame every public page extends: quick exit, languages, the crisis banner.
    "templates/public/",
    "tsunagu/core/templatetags/public_frame.py",
    "tsunagu/directory/templates/directory/_crisis_banner.html",
    "tsunagu/directory/crisis.py",
)


def _is_portal(entry: polib.POEntry) -> bool:
    files = [name for name, _line in entry.occurrences]
    if VOCABULARIES in files or any(name.startswith(PUBLIC_CHAT) for name in files):
        return True
    portal = [name for name in files if name.startswith("tsunagu/portal/")]
    return any(not name.startswith(STAFF_ONLY) for name in portal)


def _catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / locale / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("locale", PORTAL_LANGUAGES)
def test_every_portal_message_is_translated_with_the_same_placeholders(locale: str) -> None:
    catalogue = _catalogue(locale)
    assert catalogue.metadata["Language"] == locale
    portal = [entry for entry in catalogue if not entry.obsolete and _is_portal(entry)]
    assert len(portal) > 200, "the portal's messages are missing: run make messages"
    problems = []
    for entry in portal:
        if "fuzzy" in entry.flags:
            problems.append(("fuzzy", entry.msgid[:50]))
            continue
        if entry.msgid_plural:
            forms = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural, key=int)]
            expected = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural)
            if len(forms) != PORTAL_LANGUAGES[locale] or not all(f.strip() for f in forms):
                problems.append(("plural forms", entry.msgid[:50]))
                continue
            found = set().union(*(_placeholders(f) for f in forms))
        else:
            if not entry.msgstr.strip():
                problems.append(("untranslated", entry.msgid[:50]))
                continue
            expected, found = _placeholders(entry.msgid), _placeholders(entry.msgstr)
        if found != expected:
            problems.append(("placeholders", entry.msgid[:50]))
    assert problems == []


@pytest.mark.parametrize("locale", [*PORTAL_LANGUAGES, "ja_Easy"])
def test_compiled_catalogue_matches_the_po_file(locale: str) -> None:
    directory = LOCALE / locale / "LC_MESSAGES"
    # msgfmt leaves untranslated messages (the staff pages') out of the .mo.
    in_po = {
        key: value for key, value in _translations(polib.pofile(str(directory / "django.po"))).items() if any(value)
    }
    assert in_po == _translations(polib.mofile(str(directory / "django.mo"))), (
        "django.mo is out of date: run manage.py compilemessages"
    )


def test_easy_japanese_overrides_only_messages_that_exist() -> None:
    japanese = {(e.msgctxt, e.msgid) for e in _catalogue("ja") if not e.obsolete}
    easy = [e for e in _catalogue("ja_Easy") if not e.obsolete and e.msgid]
    assert easy, "the やさしい日本語 catalogue is empty"
    assert [e.msgid[:50] for e in easy if (e.msgctxt, e.msgid) not in japanese] == []
    assert [e.msgid[:50] for e in easy if not e.msgstr.strip() or "fuzzy" in e.flags] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "language", "words"),
    [
        ("/zh-hans/", "zh-hans", "zh-Hans"),
        ("/ko/", "ko", "ko"),
        ("/vi/", "vi", "vi"),
        ("/pt-br/", "pt-br", "pt-BR"),
    ],
)
def test_the_home_page_speaks_the_language_of_its_address(prefix: str, language: str, words: str) -> None:
    page = Client().get(prefix).content.decode()
    assert f'<html lang="{words}">' in page
    with translation.override(language):
        door = translation.gettext("I want someone to listen, now")
        quick_exit = translation.gettext("Quick exit")
    assert door in page and quick_exit in page
    assert "I want someone to listen, now" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "ko", "vi", "pt-br"])
def test_the_finder_names_concerns_in_the_language_of_its_address(language: str) -> None:
    page = Client().get(f"/{language}/find/").content.decode()
    english = "Mental health and suicidal feelings"
    with translation.override(language):
        translated = translation.gettext(english)
    assert translated != english
    assert translated in page and english not in page
