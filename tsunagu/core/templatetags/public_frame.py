"""Template tags of the public frame (templates/public/base.html), which the portal, the chat and the
consent withdrawal pages share: the page's ``lang``, the language menu and the quick exit. The crisis
banner needs the directory, so its tag lives there (``directory/templatetags/crisis_banner.py``).

Core imports no other app: the menu links to other pages by URL name (``portal:…``), not by import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

register = template.Library()


@dataclass(frozen=True)
class PortalLanguage:
    code: str  # Django's language code, the URL prefix
    label: str  # the language's name in itself
    lang: str  # BCP 47 tag for lang/hreflang attributes


#: The portal's languages, each named in its own language (settings.LANGUAGES holds the codes).
LANGUAGES = (
    PortalLanguage("ja", "日本語", "ja"),
    PortalLanguage("ja-easy", "やさしい日本語", "ja"),
    PortalLanguage("en", "English", "en"),
    PortalLanguage("zh-hans", "简体中文", "zh-Hans"),
    PortalLanguage("ko", "한국어", "ko"),
    PortalLanguage("vi", "Tiếng Việt", "vi"),
    PortalLanguage("pt-br", "Português", "pt-BR"),
)
_BY_CODE = {language.code: language for language in LANGUAGES}


def html_lang(code: str) -> str:
    """The ``lang`` of a page in Django language ``code`` (やさしい日本語 is Japanese)."""
    language = _BY_CODE.get(code)
    return language.lang if language else code


def _same_page_in(path: str, code: str) -> str:
    """This page's address in language ``code``; the home page when the path is not a portal page.
    The query string is dropped: nothing a person typed is copied into another link."""
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    with translation.override(code):
        if match is not None and match.namespace == "portal" and match.url_name:
            return reverse(f"portal:{match.url_name}", args=match.args, kwargs=match.kwargs)
        return reverse("portal:home")


@register.simple_tag(takes_context=True)
def portal_languages(context: template.Context) -> list[dict[str, Any]]:
    request = context.get("request")
    path = request.path if request is not None else "/"
    current = translation.get_language()
    return [
        {
            "code": language.code,
            "label": language.label,
            "lang": language.lang,
            "href": _same_page_in(path, language.code),
            "current": language.code == current,
        }
        for language in LANGUAGES
    ]


@register.simple_tag
def page_lang() -> str:
    return html_lang(translation.get_language())


@register.simple_tag
def quick_exit_url() -> str:
    return str(settings.TSUNAGU_QUICK_EXIT_URL)
