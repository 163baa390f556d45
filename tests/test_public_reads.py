"""Anonymous reads of the public per-blog views are answered before the middleware that serves
signed-in users (liveblog.public_reads): the same responses, without sessions, CSRF, messages,
auth, language negotiation, history or axes on the way. Signed-in callers, writes and everything
else take the whole stack."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import translation

from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db

# What a response of the whole stack carries and this path must carry too.
EVERY_RESPONSE = ("Content-Security-Policy", "Permissions-Policy", "X-Content-Type-Options")


def answered_early(response) -> bool:
    """Whether the public-read middleware answered: the session middleware, below it, never
    saw the request."""
    return not hasattr(response.wsgi_request, "session")


def test_public_views_are_answered_before_the_signed_in_middleware(client):
    blog = make_blog(slug="early", language="de")
    entry = make_entry(blog)
    urls = [
        blog.get_absolute_url(),
        entry.get_absolute_url(),
        reverse("liveblog:blog-live", args=["early"]),
        reverse("liveblog:blog-changes", args=["early"]) + "?since=0",
        reverse("liveblog:entry-page", args=["early"]),
        reverse("liveblog:blog-embed", args=["early"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert answered_early(response), url
        assert isinstance(response.wsgi_request.user, AnonymousUser)
        for header in EVERY_RESPONSE:
            assert header in response, (url, header)
        # Nothing here reads the session or the language cookie: one copy for everyone.
        assert "Cookie" not in response.get("Vary", "")
        assert "Accept-Language" not in response.get("Vary", "")
        assert not response.cookies
    page = client.get(blog.get_absolute_url())
    assert page["X-Frame-Options"] == "DENY" and page["Content-Language"] == "de"
    embed = client.get(reverse("liveblog:blog-embed", args=["early"]))
    assert "X-Frame-Options" not in embed  # framing is the embed's point
    live = client.get(reverse("liveblog:blog-live", args=["early"]))
    assert "Content-Language" not in live  # language-neutral


def test_a_conditional_read_gets_its_304_on_the_early_path(client):
    blog = make_blog(slug="revalidate")
    first = client.get(blog.get_absolute_url())
    again = client.get(blog.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and answered_early(again)


def test_the_language_an_earlier_request_left_active_does_not_leak(client, settings):
    blog = make_blog(slug="leak", language="en")
    make_entry(blog)
    # What an editor's German admin page leaves active in this thread.
    translation.activate("de")
    try:
        page = client.get(blog.get_absolute_url())
        api = client.get("/api/blogs/leak/")  # no Accept-Language: the site's language
    finally:
        translation.deactivate()
    assert answered_early(page) and answered_early(api)
    assert page["Content-Language"] == "en" and b'lang="en"' in page.content
    assert api["Content-Language"] == settings.LANGUAGE_CODE


def test_signed_in_callers_and_other_views_take_the_whole_stack(client, editor_client):
    blog = make_blog(slug="whole")
    for response in (
        editor_client.get(blog.get_absolute_url()),  # an editor: drafts, previews
        client.get("/"),  # the blog index is not a per-blog view
        client.get(reverse("liveblog:blog-feed", args=["whole"])),
        editor_client.get("/api/blogs/"),  # a session: the API shows drafts
        client.post(reverse("liveblog:blog-live", args=["whole"])),  # not a read
    ):
        assert not answered_early(response), response.wsgi_request.path


def test_anonymous_api_reads_negotiate_their_language_and_say_so(client, settings):
    make_blog(slug="api-early")
    response = client.get("/api/blogs/api-early/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.status_code == 200 and answered_early(response)
    assert response["Content-Language"] == "de"
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert {"Accept", "Authorization", "Cookie", "Accept-Language"} <= vary
    english = client.get("/api/blogs/api-early/")
    assert english["Content-Language"] == settings.LANGUAGE_CODE
    missing = client.get("/api/blogs/no-such-blog/", HTTP_ACCEPT_LANGUAGE="de")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert missing["Content-Language"] == "de"


def test_a_view_that_finds_nothing_answers_its_404_through_the_whole_stack(client):
    make_blog(slug="draft-only", status="draft")
    for url in ("/no-such-blog/", "/draft-only/", "/no-such-blog/live/"):
        response = client.get(url)
        assert response.status_code == 404
        assert not answered_early(response)
        assert "Content-Security-Policy" in response and "Content-Language" in response
