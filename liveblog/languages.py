"""Languages: which a blog may be written in, which way it reads, how it is searched, and which
language a response is in.

Three rules, each with its home here:
- a reader page speaks its blog's language (`for_blog()`), whatever the reader's browser or
  cookies say: the blog decides, so the blog's own cache key is the only key a page needs;
- the public pages that belong to no blog (the index, search across blogs, errors, feeds of no
  blog) speak the site's (settings.LANGUAGE_CODE): one copy for everyone, which a shared cache
  may keep (they once followed the language cookie, and a reader's cookie chose the language of
  the copy the edge cache then gave everyone);
- the admin (the live desk with it) and the API's log-in pages speak the editor's language,
  negotiated by `LocaleMiddleware` among settings.LANGUAGES (the interface languages the project
  ships catalogues for) from the editor's choice (the language cookie set by Django's
  `set_language` view, offered in the admin header) or the browser's Accept-Language; the API
  speaks the caller's Accept-Language (and Varies on it), never the cookie's, as its anonymous
  answers are shared too.
"""

import contextlib
import functools
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import trans_real
from django.views.i18n import JavaScriptCatalog as DjangoJavaScriptCatalog

# BCP 47 primary subtag -> PostgreSQL text search configuration (`SELECT cfgname FROM
# pg_ts_config` on PostgreSQL 13+). A language without one is searched with "simple": words as
# written, lower-cased, no stemming.
SEARCH_CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nl": "dutch",
    "no": "norwegian",
    "nb": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
FALLBACK_SEARCH_CONFIG = "simple"


def choices() -> list[tuple[str, str]]:
    """The languages a blog may be written in, for the model field's choices."""
    return list(settings.LIVEBLOG_LANGUAGES)


def default() -> str:
    return settings.LIVEBLOG_DEFAULT_LANGUAGE


def is_rtl(code: str) -> bool:
    """Whether the language is written right to left (Django's own table says so)."""
    try:
        return translation.get_language_info(code)["bidi"]
    except KeyError:
        return False


def direction(code: str) -> str:
    """The `dir` attribute for text in this language."""
    return "rtl" if is_rtl(code) else "ltr"


def search_config(code: str) -> str:
    """The PostgreSQL text search configuration for text in this language."""
    return SEARCH_CONFIGS.get(code.split("-")[0].lower(), FALLBACK_SEARCH_CONFIG)


def search_configs() -> list[str]:
    """Every configuration a blog's language may map to, for searching across blogs."""
    return sorted({search_config(code) for code, _ in choices()})


@contextlib.contextmanager
def for_blog(blog) -> Iterator[None]:
    """Render in the blog's language (its interface strings, dates and numbers); strings
    without a catalogue for it stay English."""
    with translation.override(blog.language):
        yield


def page_language(request: HttpRequest) -> dict:
    """Template context: the language a page is rendered in (the blog's on its pages, the
    request's elsewhere) and its direction, for <html lang dir>."""
    code = translation.get_language() or settings.LANGUAGE_CODE
    return {"page_language": code, "page_direction": direction(code)}


def mark(response: HttpResponse, code: str) -> HttpResponse:
    """Say which language the response is in. The locale middleware leaves such a response
    alone: it does not depend on the reader's Accept-Language, so it must not Vary on it."""
    response.headers["Content-Language"] = code
    return response


# Pages for signed-in editors, never shared: the language cookie counts there.
EDITOR_PATHS = ("/admin/", "/api/auth/", "/i18n/")
API_PATH = "/api/"


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's for the admin and the API (the API from Accept-Language alone); the site's
    language for every public page, which a blog's pages then override with the blog's
    (`for_blog()`, `mark()`). Public pages get no `Vary: Accept-Language`: a CDN keeps one copy
    of them for everyone."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(EDITOR_PATHS):
            return super().process_request(request)
        activate_public(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path_info.startswith(EDITOR_PATHS) and not speaks_for_itself(response):
            return super().process_response(request, response)
        return finish_public(request, response)


def activate_public(request: HttpRequest) -> None:
    """The language of a request off the editors' paths: the site's (a blog's page then renders
    in the blog's), the API's from Accept-Language."""
    path = request.path_info
    code = from_accept_language(request) if path.startswith(API_PATH) else None
    translation.activate(code or settings.LANGUAGE_CODE)
    request.LANGUAGE_CODE = translation.get_language()


def finish_public(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Say the language of a response off the editors' paths: the API's was negotiated, so it
    varies on Accept-Language (as Django's LocaleMiddleware says it); a page's is the site's."""
    if speaks_for_itself(response):
        return response
    language = translation.get_language() or settings.LANGUAGE_CODE
    if request.path_info.startswith(API_PATH):
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response
    return mark(response, language)


def speaks_for_itself(response: HttpResponse) -> bool:
    """A response that says its language already, or has none: a 304 has no words of its own
    (its Vary is its 200's), nor has a language-neutral one (`language_neutral`)."""
    return (
        response.has_header("Content-Language")
        or response.status_code == 304
        or getattr(response, "language_neutral", False)
    )


def from_accept_language(request: HttpRequest) -> str | None:
    """The first of settings.LANGUAGES the caller's Accept-Language asks for (Django's own
    negotiation reads the language cookie first)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def language_neutral(view):
    """For responses with no words in them (the live check): no Vary, no Content-Language."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        response = view(*args, **kwargs)
        response.language_neutral = True
        return response

    return wrapped


# The script catalogue changes only with a deploy.
JAVASCRIPT_CATALOG_MAX_AGE = 3600


class JavaScriptCatalog(DjangoJavaScriptCatalog):
    """The reader script's sentences in the language the URL names (the page's, which is its
    blog's, not the reader's), with that language's plural rule; the same for everyone, so
    cacheable. A language without a catalogue gets an empty one: the script's English stays."""

    packages = ["liveblog"]  # the project's strings only, not the admin's calendar

    def get(self, request, *args, **kwargs):
        language = kwargs.pop("language")
        if language not in dict(settings.LIVEBLOG_LANGUAGES) | dict(settings.LANGUAGES):
            raise Http404("No such language.")
        with translation.override(language):
            response = super().get(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=JAVASCRIPT_CATALOG_MAX_AGE)
        return mark(response, language)
