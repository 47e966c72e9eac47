"""The Japanese catalogue is complete, compiled, and what a visitor sees by default.

Japanese is the default UI language; every English msgid must have a Japanese translation, the
committed .mo must say the same as the .po (it is what the server reads), and the language switch
must work both ways.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tsunagu.accounts.models import OrganisationType
from tsunagu.accounts.policy import Role

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# %(name)s, %(max_length)d, %(count)05.1f …: the name and the conversion both have to survive.
PYTHON_FORMAT = re.compile(r"%\((?P<name>[^)]+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
# {{ count }} written literally in a msgid (blocktranslate turns its own variables into %(x)s).
TEMPLATE_VARIABLE = re.compile(r"\{\{\s*(?P<name>[^}\s]+)\s*\}\}")


def _placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PYTHON_FORMAT.finditer(text)} | {
        "{{ " + m.group("name") + " }}" for m in TEMPLATE_VARIABLE.finditer(text)
    }


def _entries() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(PO_PATH)) if not entry.obsolete]


def _entry_id(entry: polib.POEntry) -> str:
    return str(entry.msgid)[:60]


def _translations(catalogue: polib._BaseFile) -> dict[tuple[str | None, str, str], tuple[str, ...]]:
    result = {}
    for entry in catalogue:
        if getattr(entry, "obsolete", False) or not entry.msgid:
            continue
        if entry.msgid_plural:
            value = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural, key=int))
        else:
            value = (entry.msgstr,)
        result[(entry.msgctxt, entry.msgid, entry.msgid_plural)] = value
    return result


def test_catalogue_header_declares_japanese_with_one_plural_form() -> None:
    po = polib.pofile(str(PO_PATH))
    assert po.metadata["Language"] == "ja"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert not po.metadata_is_fuzzy


def test_catalogue_is_not_empty() -> None:
    # A broken makemessages run (wrong directory, all paths ignored) would make every check vacuous.
    assert len(_entries()) > 100


@pytest.mark.parametrize("entry", _entries(), ids=_entry_id)
def test_every_message_is_translated_with_the_same_placeholders(entry: polib.POEntry) -> None:
    assert "fuzzy" not in entry.flags, "a fuzzy translation is not shown to users"
    if entry.msgid_plural:
        forms = entry.msgstr_plural
        assert sorted(int(i) for i in forms) == [0], "Japanese has exactly one plural form: msgstr[0]"
        translated = forms[0]
        expected = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural)
    else:
        translated = entry.msgstr
        expected = _placeholders(entry.msgid)
    assert translated.strip(), "untranslated: a Japanese user would see English here"
    assert _placeholders(translated) == expected, "placeholders differ: the message would crash or lose a value"


def test_compiled_catalogue_matches_the_po_file() -> None:
    assert MO_PATH.exists(), "run manage.py compilemessages and commit locale/ja/LC_MESSAGES/django.mo"
    in_po = _translations(polib.pofile(str(PO_PATH)))
    in_mo = _translations(polib.mofile(str(MO_PATH)))
    missing_from_mo = sorted(key[1] for key in in_po.keys() - in_mo.keys())
    stale_in_mo = sorted(key[1] for key in in_mo.keys() - in_po.keys())
    changed = sorted(key[1] for key in in_po.keys() & in_mo.keys() if in_po[key] != in_mo[key])
    assert (missing_from_mo, stale_in_mo, changed) == ([], [], []), (
        "django.mo is out of date: run manage.py compilemessages"
    )


ORGANISATION_TYPES_JA = {
    OrganisationType.GOVERNMENT: "行政（担当部署）",
    OrganisationType.SOCIAL_WELFARE_COUNCIL: "社会福祉協議会",
    OrganisationType.SOCIAL_WELFARE_CORPORATION: "社会福祉法人",
    OrganisationType.NPO: "NPO法人・市民団体",
    OrganisationType.HEALTH_MEDICAL: "保健・医療機関",
    OrganisationType.NATIONAL_HELPLINE: "全国相談支援団体（電話・SNS相談）",
    OrganisationType.COMPANY: "民間企業",
    OrganisationType.FINANCIAL_POSTAL: "金融機関・郵便局",
    OrganisationType.NEIGHBOURHOOD_ASSOCIATION: "町内会・自治会",
    OrganisationType.COMMISSIONED_WELFARE_VOLUNTEER: "民生委員・児童委員",
    OrganisationType.COOPERATIVE: "協同組合",
    OrganisationType.EDUCATION: "教育機関",
    OrganisationType.OTHER: "その他",
}

ROLES_JA = {
    Role.COUNSELLOR: "相談員",
    Role.SUPERVISOR: "スーパーバイザー",
    Role.SUPPORT_WORKER: "支援員",
    Role.ORG_ADMIN: "団体管理者",
    Role.COUNCIL_MEMBER: "協議会構成員",
    Role.COUNCIL_SECRETARIAT: "協議会事務局",
    Role.PLATFORM_MEMBER: "官民連携プラットフォーム参画者",
    Role.PLATFORM_SECRETARIAT: "PF事務局",
    Role.AUDITOR: "監査担当",
    Role.SYSTEM_ADMIN: "システム管理者",
}


def test_organisation_types_and_roles_use_the_glossary_names() -> None:
    with translation.override("ja"):
        organisation_types = {choice: str(choice.label) for choice in OrganisationType}
        roles = {choice: str(choice.label) for choice in Role}
    assert organisation_types == ORGANISATION_TYPES_JA
    assert roles == ROLES_JA


LOGIN_URL = "/staff/login/"


def test_sign_in_page_is_japanese_for_a_first_time_visitor(client: Client, db: None) -> None:
    assert settings.LANGUAGE_CODE == "ja"
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="ja">' in page
    assert "<title>スタッフログイン | つなぐ</title>" in page
    assert "<h1>スタッフログイン</h1>" in page
    for label in ("ユーザー名", "パスワード", "次へ", "支援につなぐ"):
        assert label in page
    for english in ("Staff sign in", "Username", "Password", "Skip to main content"):
        assert english not in page


def test_language_switch_to_english_and_back(client: Client, db: None) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN_URL})
    assert response.status_code == 302
    assert response.headers["Location"] == LOGIN_URL
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = client.get(LOGIN_URL).content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Staff sign in</h1>" in page
    assert "Username" in page
    assert "スタッフログイン" not in page

    client.post("/i18n/setlang/", {"language": "ja", "next": LOGIN_URL})
    page = client.get(LOGIN_URL).content.decode()
    assert '<html lang="ja">' in page
    assert "<h1>スタッフログイン</h1>" in page
