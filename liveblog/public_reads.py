"""Readers' requests answered before the middleware that serves signed-in users.

An anonymous GET or HEAD (no session cookie, no Authorization: `freshness.is_anonymous_read`)
of a public per-blog view (a blog's page and its fragments, a permalink, the embeds, the change
feed, the live check: views marked `public_read`) is resolved and answered here. Everything
the middleware below this one does serves people who are signed in, or requests that change
something, and none of it applies to such a read:

- sessions, authentication, messages: no session cookie, so nobody is signed in (the view gets
  an anonymous user, as AuthenticationMiddleware would give it);
- CSRF: a safe method, and the public pages hold no form token (they are shared by everyone);
- the language negotiation of the admin and the API: a public page speaks the site's language,
  then its blog's (`languages.activate_public`, the same function LocaleMiddleware calls);
- CommonMiddleware: the path resolved, so there is no slash to append;
- django-simple-history's request (who made a change: a read makes none of its own) and
  django-axes (login attempts).

What every response needs stays above this middleware in settings.MIDDLEWARE: the security
headers and policy, the request size limit, static files, CORS and X-Frame-Options. A view that
answers 404 is answered again through the whole stack, so error pages are the same as ever.
Measured in one process (docs/scaling.md): a kept blog page 452 -> 270 us, the live check
497 -> 218 us, against 115 us for Django with no middleware at all.
"""

import functools

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, get_resolver

from liveblog import languages
from liveblog.freshness import is_anonymous_read


def public_read(view):
    """Mark a view as a public read this middleware may answer: it reads only the URL, the
    query string and the conditional headers, and answers the same to every anonymous reader."""
    view.public_read = True
    return view


@functools.lru_cache(maxsize=4096)
def public_match(urlconf: str, path: str) -> ResolverMatch | None:
    """What `path` resolves to when it names a public read (None otherwise). Kept per address:
    the URLconf does not change while the process runs (a test that swaps it names another),
    and walking it costs a reader's request more than the rest of this path; readers ask for
    the same few addresses (a blog's page, its live check) over and over."""
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return None
    return match if getattr(match.func, "public_read", False) else None


class PublicReadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_anonymous_read(request):
            return self.get_response(request)
        urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
        match = public_match(urlconf, request.path_info)
        if match is None:
            return self.get_response(request)
        request.resolver_match = match
        request.user = AnonymousUser()
        languages.activate_public(request)
        try:
            response = match.func(request, *match.args, **match.kwargs)
        except Http404:
            return self.get_response(request)
        if callable(getattr(response, "render", None)):
            response = response.render()  # what the handler does to a deferred response
        return languages.finish_public(request, response)
