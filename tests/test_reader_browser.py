"""Reader pages tried as a reader would, in a real browser (Debian chromium through Playwright):
times, sharing, deep links, order, the new-updates button, embedding, accessibility in both
colour schemes, and the page's weight."""

import datetime as dt
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from liveblog.models import Blog
from tests.conftest import ROOT
from tests.factories import make_blog, make_caption, make_entry, make_image
from tests.needs import missing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (320, 360, 768, 1024, 1280, 1440)


@pytest.fixture
def seeds():
    call_command("import_seeds", verbosity=0, stdout=io.StringIO())
    return {blog.source_format: blog for blog in Blog.objects.all()}


@pytest.fixture
def storm():
    """A live blog with timed entries over two days, a key event, a pinned entry, a picture."""
    blog = make_blog(
        title="Storm Ciarán: live updates",
        standfirst="Winds of 100 mph reach the coast.",
        time_zone="Europe/London",
        attribution="Newsroom",
    )
    now = timezone.now().replace(microsecond=0)
    entries = [
        make_entry(
            blog,
            headline=f"Update {n}: the wind keeps rising",
            body="Gusts were measured on the cliffs.\n\n- Trains stopped\n- Schools shut",
            published_at=now - dt.timedelta(hours=5 * n, minutes=3),
            is_key_event=n % 3 == 0,
        )
        for n in range(8)
    ]
    entries[4].pin()
    make_caption(entry=entries[1], text="Waves on the harbour wall", image=make_image())
    return blog


def new_page(browser, **options):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    return page


# --- times ---------------------------------------------------------------------------------------


def test_relative_times_advance_with_a_frozen_clock(page, live_server, settings):
    settings.LIVEBLOG_POLL_SECONDS = 3600  # only the clock moves in this test
    posted = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
    blog = make_blog(time_zone="Europe/Kyiv")
    entry = make_entry(blog, headline="Talks begin", published_at=posted)
    page.clock.install(time=posted + dt.timedelta(minutes=5))

    page.goto(live_server.url + blog.get_absolute_url())
    article = page.locator(f"#entry-{entry.pk}")

    assert article.locator(".entry__ago").inner_text() == "5 min ago"
    assert article.locator("time").get_attribute("datetime") == "2024-03-01T12:00:00+00:00"
    assert article.locator("time").inner_text().startswith("14:00 EET")  # the blog's zone
    assert article.locator(".entry__day").inner_text() == "Friday 1 March 2024"
    page.clock.run_for(5 * 60 * 1000)
    assert article.locator(".entry__ago").inner_text() == "10 min ago"
    page.clock.run_for(2 * 60 * 60 * 1000)
    assert article.locator(".entry__ago").inner_text() == "2 hr ago"
    assert page.console_errors == []


def test_last_updated_and_date_lines_follow_arriving_updates(page, live_server, settings, storm):
    settings.LIVEBLOG_POLL_SECONDS = 1
    page.goto(live_server.url + storm.get_absolute_url())
    before = page.locator("#blog-status time").get_attribute("datetime")
    page.wait_for_timeout(1_100)  # "datetime" is to the second: let the next change be later

    fresh = make_entry(storm, headline="Red warning issued")
    page.locator("#new-updates").wait_for(state="visible", timeout=10_000)

    storm.refresh_from_db()
    page.wait_for_function(
        "([was]) => document.querySelector('#blog-status time').getAttribute('datetime') !== was",
        arg=[before],
    )
    assert page.locator("#blog-status time").get_attribute("datetime") == (
        storm.changed_at.replace(microsecond=0).isoformat()
    )
    page.locator("#new-updates").click()
    days = page.locator("#entries > article .entry__day:visible")
    # One date line per day shown, the newest entry's day first.
    day_texts = days.all_inner_texts()
    assert len(day_texts) == len(set(day_texts)) >= 2
    first = page.locator("#entries > article").nth(1)  # after the pinned entry
    assert first.get_attribute("id") == f"entry-{fresh.pk}"
    assert page.console_errors == []


# --- sharing -----------------------------------------------------------------------------------


def test_copy_link_and_share_buttons_share_the_page_address_with_the_entry(
    browser, live_server, storm
):
    page = new_page(browser)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    # Headless chromium on Linux has no share sheet: stand in for the browser's one.
    page.add_init_script(
        "window.shared = []; navigator.share = (data) => { window.shared.push(data);"
        " return Promise.resolve(); };"
    )
    page.goto(live_server.url + storm.get_absolute_url())
    entry = storm.entries.filter(is_pinned=False).order_by("-sort_key").first()
    article = page.locator(f"#entry-{entry.pk}")
    copy = article.get_by_role("button", name="Copy link")
    share = article.get_by_role("button", name="Share")

    for button in (copy, share):
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    expected = f"{live_server.url}/{storm.slug}/#entry-{entry.pk}"
    copy.click()
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert article.locator('[data-action="copy"]').inner_text() == "Link copied"
    share.click()
    assert page.evaluate("window.shared") == [{"title": entry.headline, "url": expected}]
    assert page.console_errors == []
    page.context.close()


def test_an_entry_link_opens_the_blog_at_that_entry_several_pages_down(page, live_server, settings):
    settings.LIVEBLOG_PAGE_SIZE = 5
    blog = make_blog()
    entries = [make_entry(blog, headline=f"Item {n}") for n in range(14)]
    target = entries[1]  # on the third page, newest first

    page.goto(f"{live_server.url}{blog.get_absolute_url()}#entry-{target.pk}")

    page.wait_for_url(f"**/{blog.slug}/?before=*#entry-{target.pk}")
    article = page.locator(f"#entry-{target.pk}")
    article.wait_for()
    top = article.evaluate("(el) => el.getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"]  # scrolled to it
    assert page.get_by_role("link", name="Back to the latest updates").is_visible()
    assert page.console_errors == []


# --- order and paging --------------------------------------------------------------------------


def test_oldest_first_works_without_javascript_and_survives_paging(browser, live_server, settings):
    settings.LIVEBLOG_PAGE_SIZE = 3
    blog = make_blog()
    entries = [make_entry(blog, headline=f"Item {n}") for n in range(7)]
    page = new_page(browser, java_script_enabled=False)

    page.goto(live_server.url + blog.get_absolute_url())
    page.get_by_role("link", name="Oldest first").click()
    first = page.locator("#entries > article h3").all_inner_texts()
    page.get_by_role("link", name="Later entries").click()
    second = page.locator("#entries > article h3").all_inner_texts()

    assert first == ["Item 0", "Item 1", "Item 2"]
    assert second == ["Item 3", "Item 4", "Item 5"]
    assert "order=oldest" in page.url and "after=" in page.url
    assert page.locator('a[aria-current="page"]', has_text="Oldest first").count() == 1
    assert len(entries) == 7
    page.context.close()


def test_loading_older_entries_in_place_updates_the_address_and_a_refresh_keeps_the_place(
    page, live_server, settings
):
    settings.LIVEBLOG_PAGE_SIZE = 4
    blog = make_blog()
    for n in range(10):
        make_entry(blog, headline=f"Item {n}")
    page.goto(live_server.url + blog.get_absolute_url())

    page.get_by_role("link", name="Older entries").click()
    page.wait_for_function("document.querySelectorAll('#entries > article').length === 8")

    assert "?before=" in page.url
    page.reload()
    assert page.locator("#entries > article h3").first.inner_text() == "Item 5"
    assert page.console_errors == []


def test_the_new_updates_button_never_covers_the_site_header_or_search(
    page, live_server, settings, storm
):
    settings.LIVEBLOG_POLL_SECONDS = 1
    page.goto(live_server.url + storm.get_absolute_url())
    make_entry(storm, headline="Gust record broken")
    page.locator("#new-updates").wait_for(state="visible", timeout=10_000)

    overlaps = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 700})
        for scroll in (0, 60, 300, 900, 2000):
            page.evaluate(f"window.scrollTo(0, {scroll})")
            button = page.locator("#new-updates").bounding_box()
            for part in (".site-header", ".site-search input", ".site-search button"):
                box = page.locator(part).bounding_box()
                if box and intersects(button, box):
                    overlaps.append((width, scroll, part))
            assert button["y"] >= 0 and button["x"] >= 0
            assert button["x"] + button["width"] <= width
    assert overlaps == []
    assert page.console_errors == []


def intersects(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


# --- embedding ---------------------------------------------------------------------------------


class PartnerSite:
    """Another origin (its own server on a free port) whose page embeds the blog."""

    def __init__(self, body: str):
        page = f"<!DOCTYPE html><html lang='en'><head><title>Partner</title></head><body>{body}"
        page += "<p id='after'>After the embed</p></body></html>"
        content = page.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_embedded_blog_on_another_origin_sizes_itself_and_updates_live(
    page, live_server, settings, storm, client, artifacts_dir
):
    settings.LIVEBLOG_POLL_SECONDS = 1
    blog_url = live_server.url + storm.get_absolute_url()
    host = urlsplit(live_server.url).netloc
    code = client.get(f"/oembed/?url={quote(blog_url, safe='')}", HTTP_HOST=host).json()["html"]
    # The ordinary blog page beside it must refuse to be framed.
    plain = f"<iframe id='plain' src='{blog_url}' title='not embeddable'></iframe>"

    with PartnerSite(code + plain) as partner:
        assert urlsplit(partner.url).netloc != urlsplit(live_server.url).netloc
        page.goto(partner.url)
        frame_el = page.locator("iframe[data-liveblog-embed]")
        frame = page.frame_locator("iframe[data-liveblog-embed]")
        frame.locator("#entries > article").first.wait_for()
        page.wait_for_function(
            "() => { const f = document.querySelector('iframe[data-liveblog-embed]');"
            " return f.getBoundingClientRect().height > 1000; }"
        )
        height = frame_el.bounding_box()["height"]
        inner = frame.locator("html").evaluate("(el) => el.getBoundingClientRect().height")
        assert abs(height - inner) <= 2  # no inner scroll bar: the frame is its content's height

        make_entry(storm, headline="Embedded readers see this")
        frame.get_by_role("heading", name="Embedded readers see this").wait_for(timeout=10_000)
        page.wait_for_function(
            "([was]) => document.querySelector('iframe[data-liveblog-embed]')"
            ".getBoundingClientRect().height !== was",
            arg=[height],
        )
        page.screenshot(path=artifacts_dir / "embed-partner-1280.png", full_page=False)
        plain_frame = page.locator("#plain").element_handle().content_frame()
        assert plain_frame.locator("#liveblog").count() == 0  # refused: X-Frame-Options
    # Chromium reports the refused frame on the console (the site's CSP says frame-ancestors
    # 'none' everywhere but the embed views); nothing else may fail.
    assert all(
        "refused" in error.lower() or "frame-ancestors 'none'" in error
        for error in page.console_errors
    ), page.console_errors


def test_an_embedded_blog_stops_growing_at_its_maximum_height(page, client, live_server, storm):
    blog_url = live_server.url + storm.get_absolute_url()
    host = urlsplit(live_server.url).netloc
    code = client.get(f"/oembed/?url={quote(blog_url, safe='')}", HTTP_HOST=host).json()["html"]
    assert 'data-max-height="2400"' in code
    code = code.replace('data-max-height="2400"', 'data-max-height="600"')  # a partner's choice

    with PartnerSite(code) as partner:
        page.goto(partner.url)
        frame = page.frame_locator("iframe[data-liveblog-embed]")
        frame.locator("#entries > article").first.wait_for()
        page.wait_for_function(
            "() => document.querySelector('iframe[data-liveblog-embed]').style.height === '600px'"
        )
        inner = frame.locator("html").evaluate("(el) => el.getBoundingClientRect().height")
        assert inner > 600  # the rest scrolls inside, ending with the way to the whole blog
        assert frame.locator(".embed__more a").get_attribute("href") == blog_url
    assert page.console_errors == []


# --- accessibility, screenshots, weight ---------------------------------------------------------


def axe_violations(page) -> list[dict]:
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});"
        " return r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))"
        ".slice(0, 5), summary: v.nodes.length ? v.nodes[0].failureSummary : ''})); }"
    )
    return result


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reader_pages_have_no_axe_violations(browser, live_server, seeds, storm, scheme):
    if not AXE.exists():
        missing(f"axe-core is not installed at {AXE} (run `npm ci`, as .ci/run does)")
    page = new_page(browser, color_scheme=scheme)
    page.add_init_script(path=str(AXE))
    entry = storm.entries.filter(is_pinned=False).first()
    paths = [
        "/",
        seeds["A"].get_absolute_url(),
        seeds["B"].get_absolute_url() + "?order=oldest",
        storm.get_absolute_url(),
        storm.get_absolute_url() + "?key_events=1",
        entry.get_absolute_url(),
        f"/{storm.slug}/embed/",
        "/search/?q=wind",
        f"/search/?q=wind&blog={storm.slug}",
        "/no-such-page/",
    ]
    found = {}
    for path in paths:
        page.goto(live_server.url + path)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        if violations := axe_violations(page):
            found[path] = violations
    assert found == {}, json.dumps(found, indent=1)
    page.context.close()


def test_screenshots_and_first_view_weight(browser, live_server, seeds, storm, artifacts_dir):
    blogs = {"seed-a": seeds["A"], "seed-b": seeds["B"], "live": storm}
    report = []
    for name, blog in blogs.items():
        for scheme in ("light", "dark"):
            for width in (360, 768, 1280):
                page = new_page(browser, color_scheme=scheme)
                page.set_viewport_size({"width": width, "height": 900})
                requests: list[str] = []
                page.on("request", lambda request, seen=requests: seen.append(request.url))
                page.goto(live_server.url + blog.get_absolute_url(), wait_until="load")
                page.screenshot(
                    path=artifacts_dir / f"reader-{name}-{width}-{scheme}.png", full_page=False
                )
                if scheme == "light" and width == 360:
                    weight = page.evaluate(
                        "() => performance.getEntriesByType('navigation')"
                        ".concat(performance.getEntriesByType('resource'))"
                        ".reduce((sum, e) => sum + e.transferSize, 0)"
                    )
                    origins = {urlsplit(url).netloc for url in requests if "://" in url}
                    report.append(f"{name}: {weight} bytes transferred in {len(requests)} requests")
                    # Nothing from anyone else: no fonts, trackers or CDNs.
                    assert origins == {urlsplit(live_server.url).netloc}, origins
                    # Uncompressed (the test server sends no gzip; the edge and WhiteNoise
                    # do, to about a quarter): HTML with its JSON-LD, CSS and the scripts.
                    assert weight < 120_000, report[-1]
                assert page.console_errors == []
                page.context.close()
    (artifacts_dir / "page-weight.txt").write_text("\n".join(report) + "\n")
    print("\n".join(report))  # noqa: T201  (the figures the report quotes)
    assert Path(artifacts_dir / "reader-seed-a-360-dark.png").exists()
