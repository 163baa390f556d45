"""The reader pages in a real browser (Debian chromium through Playwright)."""

import io
import re

import pytest
from django.core.management import call_command

from liveblog.models import Blog, BlogStatus
from tests.factories import make_blog, make_entry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def seeds(settings):
    """The two seed blogs, imported as `manage.py import_seeds` does."""
    call_command("import_seeds", verbosity=0, stdout=io.StringIO())
    return {blog.source_format: blog for blog in Blog.objects.all()}


def live_checks(page) -> list[str]:
    """Record every request the page makes to a live check URL."""
    urls: list[str] = []
    page.on(
        "request", lambda request: urls.append(request.url) if "/live/" in request.url else None
    )
    return urls


def test_seed_blog_renders_across_pages_and_loads_older_entries_in_place(
    page, live_server, seeds, settings, artifacts_dir
):
    settings.LIVEBLOG_PAGE_SIZE = 20
    blog = seeds["A"]
    assert blog.entries.count() == 34

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + blog.get_absolute_url())
    page.screenshot(path=artifacts_dir / "blog-phone.png", full_page=True)

    assert page.locator("h1").inner_text() == blog.title
    assert page.locator("#entries > article.entry").count() == 20
    assert page.locator("figure.figure--file").count() >= 2  # entry figures, "File" (no hero file)
    assert "This live blog has ended." in page.locator(".notice--closed").inner_text()
    # An ended blog is still asked now and then (an editor may reopen it): see below.
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.evaluate("window.sameDocument = true")
    page.get_by_role("link", name="Older entries").click()
    page.wait_for_function("document.querySelectorAll('#entries > article.entry').length === 34")
    assert page.evaluate("window.sameDocument") is True  # loaded in place, no navigation
    assert "?before=" in page.url  # but the address follows, so a refresh keeps the place
    assert page.locator(".older__link").count() == 0
    assert page.locator("article.entry").count() == 34

    page.set_viewport_size(DESKTOP)
    page.screenshot(path=artifacts_dir / "blog-desktop.png", full_page=True)
    other = seeds["B"]
    page.goto(live_server.url + other.get_absolute_url())
    assert page.get_by_role("heading", name="What you need to know").is_visible()
    assert page.locator(".key-points li").count() == len(other.key_points) > 0
    page.screenshot(path=artifacts_dir / "key-points-desktop.png", full_page=False)
    assert page.console_errors == []


def test_new_entry_appears_behind_a_button_closing_slows_polling_and_reopening_resumes(
    page, live_server, seeds, settings, artifacts_dir
):
    settings.LIVEBLOG_POLL_SECONDS = 1
    blog = seeds["A"]
    blog.set_status(BlogStatus.LIVE)
    checks = live_checks(page)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + blog.get_absolute_url())
    page.wait_for_function("document.getElementById('liveblog').dataset.polling === 'on'")
    first_before = page.locator("#entries > article.entry").first.get_attribute("id")
    page.evaluate("window.scrollTo(0, 1500)")
    scroll_before = page.evaluate("window.scrollY")

    entry = make_entry(blog, headline="Breaking: talks resume", body="Negotiators returned.")

    button = page.locator("#new-updates")
    button.wait_for(state="visible", timeout=10_000)
    assert button.inner_text() == "1 new update"
    assert page.evaluate("window.scrollY") == scroll_before  # nothing moved under the reader
    assert page.locator("#entries > article.entry").first.get_attribute("id") == first_before
    page.wait_for_function("document.getElementById('live-status').textContent === '1 new update'")
    page.screenshot(path=artifacts_dir / "new-updates-phone.png")
    button.click()
    first = page.locator("#entries > article.entry").first
    assert first.get_attribute("id") == f"entry-{entry.pk}"
    assert "Breaking: talks resume" in first.inner_text()
    assert button.is_hidden()

    blog.set_status(BlogStatus.CLOSED)
    page.locator("#closed-notice").wait_for(state="visible", timeout=10_000)
    assert not page.title().startswith("LIVE: ")  # the tab no longer claims the blog is live
    count = len(checks)
    page.wait_for_timeout(2_500)
    assert len(checks) == count  # an ended blog is asked four times less often

    # Found on main: a reopened blog stayed "Ended" with polling off until a reload.
    blog.set_status(BlogStatus.LIVE)
    page.wait_for_function("document.title.startsWith('LIVE: ')", timeout=10_000)
    assert page.locator("#closed-notice").count() == 0
    assert page.locator(".blog-header__status .badge--live").inner_text() == "LIVE"
    later = make_entry(blog, headline="Talks go on", body="A second day.")
    page.locator("#new-updates").wait_for(state="visible", timeout=10_000)
    page.locator("#new-updates").click()
    assert page.locator("#entries > article.entry").first.get_attribute("id") == (
        f"entry-{later.pk}"
    )
    # Changes URLs name the revision the check reported, so an edge cache cannot answer stale.
    assert any("/changes/" in url for url in checks)
    assert all(re.search(r"/live/(changes/\?since=\d+&to=\d+)?$", url) for url in checks)
    assert page.console_errors == []


def test_closed_blog_polls_only_now_and_then(page, live_server, seeds, settings):
    settings.LIVEBLOG_POLL_SECONDS = 1  # four seconds between checks once ended
    checks = live_checks(page)
    page.goto(live_server.url + seeds["A"].get_absolute_url())
    page.wait_for_timeout(2_500)
    assert checks == []
    assert page.console_errors == []


def test_upcoming_blog_polls_conditionally_and_shows_when_it_goes_live(
    page, live_server, settings, artifacts_dir
):
    settings.LIVEBLOG_POLL_SECONDS = 1
    blog = make_blog(title="Budget day", status=BlogStatus.UPCOMING)
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/live/") else None)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + blog.get_absolute_url())
    page.wait_for_function("document.getElementById('liveblog').dataset.polling === 'on'")
    page.wait_for_timeout(1_500)

    # The page knows the check's ETag, so even the first poll of an unchanged blog is a 304.
    assert statuses and statuses[0] == 304

    blog.set_status(BlogStatus.LIVE)
    page.wait_for_function("document.title.startsWith('LIVE: ')", timeout=10_000)
    assert page.locator(".blog-header__status .badge--live").inner_text() == "LIVE"
    assert page.locator(".notice--upcoming").count() == 0
    page.screenshot(path=artifacts_dir / "upcoming-went-live-phone.png")
    assert page.console_errors == []


def test_long_unbroken_words_wrap_on_a_phone(page, live_server, artifacts_dir):
    # Found in the browser: a pasted URL widened a 360 px page to 478 px.
    url = "https://www.example.org/news/2022/02/07/a-long-article-slug-without-any-break-at-all"
    blog = make_blog(title="Links")
    entry = make_entry(blog, headline=f"Statement: {url}", body=f"Read it at {url} today.")
    page.set_viewport_size(PHONE)

    for path in (blog.get_absolute_url(), entry.get_absolute_url(), "/search/?q=" + "x" * 80):
        page.goto(live_server.url + path)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], path
    page.goto(live_server.url + blog.get_absolute_url())
    page.locator(f"#entry-{entry.pk}").screenshot(path=artifacts_dir / "long-words-phone.png")
    assert page.console_errors == []


def test_a_blog_taken_off_the_site_stops_the_page_polling(page, live_server, settings):
    settings.LIVEBLOG_POLL_SECONDS = 1
    blog = make_blog(title="Storm watch")
    make_entry(blog)
    checks = live_checks(page)
    page.goto(live_server.url + blog.get_absolute_url())
    page.wait_for_function("document.getElementById('liveblog').dataset.polling === 'on'")

    blog.set_status(BlogStatus.DRAFT)

    page.wait_for_function(
        "document.getElementById('liveblog').dataset.polling === 'off'", timeout=10_000
    )
    count = len(checks)
    page.wait_for_timeout(2_500)
    assert len(checks) == count  # it stopped asking instead of retrying with back-off
    # The one error is the browser reporting the 404 it was given.
    assert all("404" in error for error in page.console_errors)
