"""The shipped edge cache (deploy/nginx/liveblog.conf) in front of a live app server.

Starts Debian's nginx with the repository's configuration on a free port and checks what a
burst of readers relies on: hits and misses, the app's max-age and stale-while-revalidate,
collapsing of concurrent misses, nothing shared for signed-in callers, 304s for the live check,
media from the disk. Skips where nginx is not installed; CI installs it.
"""

import gzip
import http.client
import http.server
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.core.signals import request_started
from rest_framework.authtoken.models import Token

from scripts.edge_nginx import EdgeCache, free_port, nginx_binary
from tests.factories import make_blog, make_entry
from tests.needs import missing

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

if nginx_binary() is None:
    missing(
        "edge cache test: nginx is not installed (apt-get install nginx)", allow_module_level=True
    )

POLL_SECONDS = 3  # the live check's max-age is a third of it: 1 s
# nginx counts freshness in whole seconds, so a 1 s max-age has surely run out after 2.
PAST_MAX_AGE = 2.1


@dataclass
class Origin:
    """What the app server behind the edge received, and a knob to make it slow."""

    requests: list[tuple[str, str]] = field(default_factory=list)  # (path?query, If-None-Match)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, sender, environ, **kwargs) -> None:
        url = environ["PATH_INFO"] + (
            f"?{environ['QUERY_STRING']}" if environ["QUERY_STRING"] else ""
        )
        with self.lock:
            self.requests.append((url, environ.get("HTTP_IF_NONE_MATCH", "")))
        if self.delay:
            time.sleep(self.delay)

    def count(self, url: str) -> int:
        with self.lock:
            return sum(1 for seen, _ in self.requests if seen == url)


@pytest.fixture
def origin():
    recorder = Origin()
    request_started.connect(recorder.saw, dispatch_uid="edge-test-origin")
    yield recorder
    request_started.disconnect(dispatch_uid="edge-test-origin")


@pytest.fixture
def edge(live_server, settings, media_root, origin):
    settings.LIVEBLOG_POLL_SECONDS = POLL_SECONDS
    # The app's own one-second memo would blur what the edge does.
    settings.LIVEBLOG_LIVE_CHECK_SECONDS = 0
    media_root.mkdir(parents=True, exist_ok=True)
    with EdgeCache(upstream=f"127.0.0.1:{live_server.thread.port}", media_root=media_root) as cache:
        yield cache


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    @property
    def cache(self) -> str:
        return self.headers.get("X-Cache-Status", "")


def get(edge, path: str, method: str = "GET", body=None, *, source=None, **headers) -> Reply:
    """One request through the edge; `source`: the loopback address it comes from (any of
    127.0.0.0/8), so that nginx sees several readers."""
    source_address = (source, 0) if source else None
    conn = http.client.HTTPConnection(
        "127.0.0.1", edge.port, timeout=15, source_address=source_address
    )
    began = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read(), time.monotonic() - began)
    finally:
        conn.close()


def publish(edge, blog, token: str, headline: str = "Breaking") -> dict:
    """Publish an entry through the edge, as the newsroom's tools do (POST with a token)."""
    reply = get(
        edge,
        f"/api/blogs/{blog.slug}/entries/",
        method="POST",
        body=json.dumps({"headline": headline, "body": "Text.", "status": "published"}),
        **{"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    assert reply.status == 201, reply.body
    return json.loads(reply.body)


@pytest.fixture
def token(transactional_db) -> str:
    user = User.objects.create_user("desk", password="pw")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="liveblog"))
    return Token.objects.create(user=user).key


def wait_until(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_the_first_reader_misses_and_the_rest_hit(edge, origin):
    blog = make_blog(slug="storm")
    make_entry(blog, headline="Winds rise")
    url = "/storm/"

    first, second, third = (get(edge, url) for _ in range(3))

    assert (first.status, first.cache) == (200, "MISS")
    assert (second.cache, third.cache) == ("HIT", "HIT")
    assert second.body == first.body and b"Winds rise" in first.body
    assert first.headers["Cache-Control"] == "public, max-age=10, stale-while-revalidate=60"
    # One copy for every reader: a Vary on Cookie would split the cache per reader.
    assert "cookie" not in first.headers.get("Vary", "").lower()
    assert origin.count(url) == 1
    # Another URL is another entry; the query string is part of the key.
    assert get(edge, "/storm/?page=2").cache == "MISS"


def test_the_app_max_age_decides_how_long_a_copy_is_fresh(edge, origin, token):
    blog = make_blog(slug="vote")
    page, live = "/vote/", "/vote/live/"
    page_before, live_before = get(edge, page), get(edge, live)
    assert live_before.headers["Cache-Control"].startswith("public, max-age=1,")

    publish(edge, blog, token, headline="Polls close")
    page_within = get(edge, page)

    # Inside the page's 10 s max-age the edge answers from its copy, though the blog moved on.
    assert page_within.cache == "HIT" and page_within.body == page_before.body
    assert b"Polls close" not in page_within.body
    assert origin.count(page) == 1
    time.sleep(PAST_MAX_AGE)
    # Past the live check's 1 s, its copy is refreshed: the first reader may still get it
    # (stale-while-revalidate), and the background refresh brings the new revision at once.
    fresh = wait_until(
        lambda: (
            (r := get(edge, live)).cache == "HIT"
            and r.headers["ETag"] != live_before.headers["ETag"]
            and r
        )
    )
    assert json.loads(fresh.body)["revision"] > json.loads(live_before.body)["revision"]
    assert origin.count(live) >= 2


def test_concurrent_misses_for_one_url_cost_the_app_one_request(edge, origin):
    make_blog(slug="quake")
    live = "/quake/live/"
    origin.delay = 0.5  # the app is slow: every reader arrives while the first is waiting

    with ThreadPoolExecutor(max_workers=25) as pool:
        replies = list(pool.map(lambda _: get(edge, live), range(25)))

    assert {r.status for r in replies} == {200}
    assert len({r.body for r in replies}) == 1
    assert origin.count(live) == 1


def test_stale_copies_are_served_at_once_while_one_request_refreshes_them(edge, origin, token):
    blog = make_blog(slug="flood")
    live = "/flood/live/"
    old = get(edge, live)
    publish(edge, blog, token)
    time.sleep(
        PAST_MAX_AGE
    )  # past the live check's max-age, well inside its stale-while-revalidate
    origin.delay = 1.0

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda _: get(edge, live), range(20)))

    # Nobody waited for the slow app: everyone got the stale copy straight away...
    assert {r.headers["ETag"] for r in replies} == {old.headers["ETag"]}
    assert {r.cache for r in replies} <= {"STALE", "UPDATING"}
    assert max(r.seconds for r in replies) < 1.0
    # ...while one conditional request refreshed it in the background.
    new = wait_until(lambda: (r := get(edge, live)).headers["ETag"] != old.headers["ETag"] and r)
    assert new.cache == "HIT"
    refreshes = [inm for url, inm in origin.requests if url == live][1:]
    assert refreshes == [old.headers["ETag"]]


def test_an_unchanged_blog_is_revalidated_with_a_304_from_the_app(edge, origin):
    make_blog(slug="calm")
    live = "/calm/live/"
    first = get(edge, live)
    time.sleep(PAST_MAX_AGE)

    get(edge, live)  # stale: triggers the background revalidation
    again = wait_until(lambda: (r := get(edge, live)).cache in ("HIT", "REVALIDATED") and r)

    assert again.headers["ETag"] == first.headers["ETag"] and again.body == first.body
    assert [inm for url, inm in origin.requests if url == live] == ["", first.headers["ETag"]]


def test_pollers_get_304s_through_the_edge(edge, token):
    blog = make_blog(slug="fire")
    live = "/fire/live/"
    etag = get(edge, live).headers["ETag"]

    cached = get(edge, live, **{"If-None-Match": etag})
    # Bypassing the cache (credentials), the app's own 304 passes through.
    direct = get(edge, live, **{"If-None-Match": etag, "Authorization": f"Token {token}"})
    other = get(edge, live, **{"If-None-Match": '"something-else"'})

    assert (cached.status, cached.body, cached.headers["ETag"]) == (304, b"", etag)
    assert (direct.status, direct.cache) == (304, "BYPASS")
    assert other.status == 200 and other.body
    publish(edge, blog, token)
    time.sleep(PAST_MAX_AGE)
    wait_until(lambda: get(edge, live, **{"If-None-Match": etag}).status == 200)


def test_signed_in_callers_are_never_served_or_stored_by_the_cache(
    edge, origin, token, client, django_user_model
):
    draft = make_blog(slug="embargo", status="draft")
    make_entry(draft, headline="Not yet")
    # Staff status alone previews nothing: an editor's rights do (a superuser here, as earlier
    # transactional tests flush the Editors group).
    staff = django_user_model.objects.create_user(
        "ed", password="pw", is_staff=True, is_superuser=True
    )
    client.force_login(staff)
    session = f"sessionid={client.cookies['sessionid'].value}"

    preview = get(edge, "/embargo/", Cookie=session)
    anonymous = get(edge, "/embargo/")
    with_token = get(edge, "/embargo/", Authorization=f"Token {token}")
    preview_again = get(edge, "/embargo/", Cookie=session)

    assert (preview.status, preview.cache) == (200, "BYPASS") and b"Not yet" in preview.body
    assert anonymous.status == 404 and b"Not yet" not in anonymous.body
    assert with_token.cache == "BYPASS"
    assert preview_again.cache == "BYPASS"
    assert origin.count("/embargo/") == 4


def test_responses_that_set_cookies_or_say_private_are_not_stored(edge, origin):
    login = "/admin/login/"
    first, second = get(edge, login), get(edge, login)

    assert "csrftoken=" in first.headers["Set-Cookie"]
    assert (first.cache, second.cache) == ("MISS", "MISS")
    assert origin.count(login) == 2
    # A response without Cache-Control is not kept either: nothing overrides the app.
    missing = get(edge, "/no-such-blog/"), get(edge, "/no-such-blog/")
    assert [r.status for r in missing] == [404, 404]
    assert origin.count("/no-such-blog/") == 2


def test_media_is_served_from_the_disk_with_a_day_of_caching(edge, media_root, origin):
    picture = media_root / "renditions" / "7" / "harbour-0123456789-640w.jpg"
    picture.parent.mkdir(parents=True)
    picture.write_bytes(b"\xff\xd8\xff jpeg bytes")

    served = get(edge, "/media/renditions/7/harbour-0123456789-640w.jpg")
    missing = get(edge, "/media/renditions/7/nothing.jpg")

    assert served.status == 200 and served.body == picture.read_bytes()
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=86400"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert missing.status == 404
    assert origin.requests == []  # the app never saw them


def test_the_edge_keeps_the_port_compresses_text_and_hides_its_version(edge, origin):
    blog = make_blog(slug="storm", title="Storm")
    make_entry(blog, headline="Winds rise", body="Long text. " * 200)
    host = f"127.0.0.1:{edge.port}"

    page = get(edge, "/storm/", Host=host)
    compressed = get(edge, "/storm/", Host=host, **{"Accept-Encoding": "gzip"})
    script = get(edge, "/static/liveblog/live.js", **{"Accept-Encoding": "gzip"})

    # Canonical and og:url addresses name the port the reader used.
    assert f'<link rel="canonical" href="http://{host}/storm/">' in page.body.decode()
    assert f'<meta property="og:url" content="http://{host}/storm/">' in page.body.decode()
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.body) == page.body
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert script.status == 200 and script.headers["Content-Encoding"] == "gzip"
    assert page.headers["Server"] == "nginx"  # no version


def test_a_picture_with_a_script_inside_is_served_as_a_picture(edge, media_root):
    """A GIF whose comment is a page (a polyglot) under an upload's name: a picture, nosniff,
    and a sandbox should anything open it as a document."""
    picture = media_root / "images" / "2026" / "01" / "AAAAAAAAAAAAAAAAAAAAAA.gif"
    picture.parent.mkdir(parents=True)
    picture.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00!\xfe<script>alert(1)</script>")

    served = get(edge, "/media/images/2026/01/AAAAAAAAAAAAAAAAAAAAAA.gif")

    assert served.headers["Content-Type"] == "image/gif"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]


# --- cookies never choose what the edge keeps ---------------------------------------------------


@pytest.mark.parametrize("cookie", ["django_language=ar", "_ga=GA1.2.3; django_language=de"])
def test_a_language_cookie_never_chooses_the_copy_readers_get(edge, origin, cookie):
    """The issue's reproduction: a reader with the Arabic language cookie (or an editor who chose
    German in the admin and logged out) asks first; the plain readers after them must get the
    site's index, and one copy serves them all."""
    make_blog(slug="wahl", title="Wahlabend", language="de")

    first = get(edge, "/", Cookie=cookie)
    plain = [get(edge, "/") for _ in range(3)]
    browser_german = get(edge, "/", **{"Accept-Language": "de"})
    blog = get(edge, "/wahl/", Cookie=cookie)

    assert b'<html lang="en-gb" dir="ltr">' in first.body
    assert [r.cache for r in plain] == ["HIT"] * 3
    assert {r.body for r in plain} == {first.body}
    assert browser_german.cache == "HIT" and browser_german.body == first.body
    assert origin.count("/") == 1
    assert b'<html lang="de" dir="ltr">' in blog.body


class VaryOnCookie(http.server.BaseHTTPRequestHandler):
    """An upstream whose public answers say they differ by cookie."""

    vary = "Cookie"
    seen = 0

    def do_GET(self):
        type(self).seen += 1
        body = f"answer for {self.headers.get('Cookie', 'nobody')}".encode()
        self.send_response(200)
        self.send_header("Cache-Control", "public, max-age=60")
        self.send_header("Vary", self.vary)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("vary", ["Cookie", "Accept-Encoding, Cookie", "cookie"])
def test_an_answer_that_varies_on_a_cookie_is_never_stored(tmp_path, vary):
    VaryOnCookie.vary, VaryOnCookie.seen = vary, 0
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), VaryOnCookie)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = upstream.server_address
        with EdgeCache(upstream=f"{host}:{port}", media_root=tmp_path) as cache:
            replies = [
                get(cache, "/page/", Cookie="theme=dark"),
                get(cache, "/page/"),
                get(cache, "/page/"),
            ]
    finally:
        upstream.shutdown()
        upstream.server_close()

    assert [r.cache for r in replies] == ["MISS"] * 3
    assert [r.body for r in replies] == [
        b"answer for theme=dark",
        b"answer for nobody",
        b"answer for nobody",
    ]
    assert VaryOnCookie.seen == 3


# --- the production recipe: each reader counts by their own address ------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"


def recipe_trusted_proxies() -> int:
    """LIVEBLOG_TRUSTED_PROXIES as the README's production recipe sets it."""
    section = README.read_text().split("\n## Production\n", 1)[1]
    recipe = section.split("```sh\n", 1)[1].split("```", 1)[0]
    found = re.search(r"^export .*\bLIVEBLOG_TRUSTED_PROXIES=(\d+)", recipe, re.M)
    assert found, "the README's production recipe does not set LIVEBLOG_TRUSTED_PROXIES"
    return int(found[1])


def log_in(edge, source: str, username: str, password: str) -> int:
    """The admin's log-in form, as a browser at `source` fills it in (CSRF cookie and token)."""
    form = get(edge, "/admin/login/", source=source)
    cookie = re.search(r"csrftoken=([^;]+)", form.headers["Set-Cookie"])[1]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)[1].decode()
    body = urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        }
    )
    reply = get(
        edge,
        "/admin/login/",
        method="POST",
        body=body,
        source=source,
        Cookie=f"csrftoken={cookie}",
        **{"Content-Type": "application/x-www-form-urlencoded"},
    )
    return reply.status


def test_behind_the_shipped_nginx_as_the_readme_sets_it_up_callers_count_apart(
    edge, settings, django_user_model
):
    """The issue's reproduction, through nginx with the README's settings: one reader's API
    requests throttled everyone, and wrong passwords for a made-up user locked every editor out
    (every caller was nginx's address)."""
    settings.LIVEBLOG_TRUSTED_PROXIES = recipe_trusted_proxies()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LIVEBLOG_API_ANON_RATE = "5/minute"
    cache.clear()
    django_user_model.objects.create_user("desk", password="right-horse-42", is_staff=True)
    guesser, newsroom = "127.0.0.2", "127.0.0.3"

    guesses = [log_in(edge, guesser, "nobody", "wrong") for _ in range(6)]
    own = [log_in(edge, guesser, "desk", "wrong") for _ in range(6)]
    editor = log_in(edge, newsroom, "desk", "right-horse-42")
    # Distinct URLs: each reaches the app (the edge answers repeats from its copy).
    polls = [get(edge, f"/api/blogs/?page_size={n}", source=guesser).status for n in range(1, 8)]
    reader = get(edge, "/api/blogs/?page_size=20", source=newsroom).status

    assert guesses[-1] == own[-1] == 429  # the guesser locked itself out
    assert editor == 302  # and nobody else
    assert polls[:5] == [200] * 5 and polls[-1] == 429
    assert reader == 200
    cache.clear()
