"""The reader's control over a live page (WCAG 2.2), in Chromium: "Pause live updates" holds
edits, new-update notices and relative times still until resumed, and is remembered; nothing
shifts while updates arrive without input (CLS 0); revealed entries are announced in a log; the
"new updates" button never covers the first headline or a focused element; targets are at
least 24 px; reduced motion is respected; a hidden tab counts new updates in its title; times
can be read in the reader's own zone."""

import datetime as dt

import pytest
from django.utils import timezone

from liveblog.models import Entry
from tests.factories import make_blog, make_entry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

# Recorded before any script of the page runs: layout shifts not caused by input (what CLS
# adds up), and a document.hidden the test can turn on and off.
INIT = """
window.__shifts = [];
window.__shiftSources = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__shifts.push(entry.value);
    // What moved, to say so when the test fails.
    window.__shiftSources.push(entry.sources.map((source) => [
      source.node && (source.node.id || source.node.className || source.node.nodeName),
      source.previousRect.toJSON(), source.currentRect.toJSON(),
    ]));
  }
}).observe({ type: "layout-shift", buffered: true });
window.__hidden = false;
Object.defineProperty(document, "hidden", { get: () => window.__hidden });
Object.defineProperty(document, "visibilityState", {
  get: () => (window.__hidden ? "hidden" : "visible"),
});
"""


@pytest.fixture
def storm(settings):
    settings.LIVEBLOG_POLL_SECONDS = 1
    blog = make_blog(title="Storm live", time_zone="Europe/London")
    now = timezone.now().replace(microsecond=0)
    for n in range(12):
        make_entry(
            blog,
            headline=f"Update {n}",
            body="Gusts on the cliffs.\n\n" + "The wind kept rising all afternoon. " * 6,
            published_at=now - dt.timedelta(minutes=5 + 20 * n),
        )
    return blog


def open_blog(browser, live_server, blog, **options):
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    page.add_init_script(INIT)
    page.goto(live_server.url + blog.get_absolute_url())
    return page


def wait(page, expression: str, timeout: float = 10_000):
    from tests.conftest import poll

    return poll(page, expression, timeout=timeout)


def newest(blog) -> Entry:
    return blog.entries.order_by("-published_at").first()


def edit(entry: Entry, headline: str) -> None:
    entry.headline = headline
    entry.body += "\n\nA longer body after the edit. " * 3
    entry.save()


def test_pausing_holds_edits_new_entries_and_relative_times_until_resumed(
    browser, live_server, storm
):
    first = newest(storm)
    page = open_blog(browser, live_server, storm)
    page.clock.install()  # timers and Date under the test's control from here on
    pause = page.locator("#live-pause")
    ago = page.locator(f"#entry-{first.pk} .entry__ago")
    assert pause.is_visible() and pause.inner_text() == "Pause live updates"
    assert ago.inner_text() == "5 min ago"

    pause.click()
    assert pause.inner_text() == "Resume live updates"
    assert page.locator("#liveblog").get_attribute("data-polling") == "off"
    wait(page, "document.getElementById('live-status').textContent === 'Live updates paused.'")
    edit(first, "Edited while paused")
    arrived = make_entry(storm, headline="Published while paused")
    page.clock.run_for(10 * 60 * 1000)  # ten minutes: many polls and clock ticks, were it live
    page.wait_for_timeout(1_500)  # and real time for any request to come back

    assert page.locator(f"#entry-{first.pk} .entry__headline").inner_text() == "Update 0"
    assert page.locator("#new-updates").is_hidden()
    assert page.locator(f"#entry-{arrived.pk}").count() == 0
    assert ago.inner_text() == "5 min ago"  # relative times hold still too

    # Remembered per browser: another page of this browser opens paused.
    other = page.context.new_page()
    other.goto(live_server.url + storm.get_absolute_url())
    assert other.locator("#live-pause").inner_text() == "Resume live updates"
    assert other.locator("#liveblog").get_attribute("data-paused") == "1"
    other.close()

    pause.click()  # resume: the page catches up at once
    page.clock.run_for(100)
    wait(page, "!document.getElementById('new-updates').hidden")
    assert page.locator("#new-updates").inner_text() == "1 new update"
    assert ago.inner_text() == "15 min ago"
    # The edited entry is on screen: its edit waits for the reader, like the new entry.
    assert page.locator(f"#entry-{first.pk} .entry__headline").inner_text() == "Update 0"
    page.locator("#new-updates").click()
    assert page.locator(f"#entry-{first.pk} .entry__headline").inner_text() == (
        "Edited while paused"
    )
    assert page.locator("#entries > article.entry").first.get_attribute("id") == (
        f"entry-{arrived.pk}"
    )
    assert page.locator("#live-log p").all_inner_texts() == ["New update: Published while paused"]
    assert page.locator("#live-log").get_attribute("role") == "log"
    assert page.console_errors == []


@pytest.mark.parametrize("width", [360, 1280])
def test_nothing_shifts_while_updates_arrive_and_an_edit_out_of_view_applies_at_once(
    browser, live_server, storm, width
):
    page = open_blog(browser, live_server, storm, viewport={"width": width, "height": 800})
    wait(page, "document.getElementById('liveblog').dataset.polling === 'on'")
    entries = list(storm.entries.order_by("-published_at"))
    on_screen, far_below = entries[0], entries[-1]
    assert page.locator(f"#entry-{on_screen.pk}").is_visible()

    edit(on_screen, "Edited on screen")
    edit(far_below, "Edited far below")
    make_entry(storm, headline="Gust record broken", is_key_event=True)
    wait(page, "!document.getElementById('new-updates').hidden")
    wait(page, f"document.querySelector('#entry-{far_below.pk} .entry__headline')"
         ".textContent === 'Edited far below'")  # fmt: skip

    assert page.locator(f"#entry-{on_screen.pk} .entry__headline").inner_text() == ("Update 0")
    # No layout shift without input while they arrived (Lighthouse's CLS: 0).
    assert page.evaluate("window.__shifts") == [], page.evaluate("window.__shiftSources")
    # Scrolled out of view, the held edit is made.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    wait(page, f"document.querySelector('#entry-{on_screen.pk} .entry__headline')"
         ".textContent === 'Edited on screen'")  # fmt: skip
    assert page.console_errors == []


def test_the_bar_covers_neither_the_first_headline_nor_the_focused_element(
    browser, live_server, storm
):
    page = open_blog(browser, live_server, storm)
    make_entry(storm, headline="Gust record broken")
    wait(page, "!document.getElementById('new-updates').hidden")
    bar = page.locator("#live-bar")
    headline = page.locator("#entries .entry__headline").first
    assert bottom(bar.bounding_box()) <= headline.bounding_box()["y"]

    # Scroll so that an entry's link sits under the sticky bar, then Tab to it.
    links = page.locator("#entries .entry__permalink")
    target = links.nth(3)
    page.evaluate(
        "(y) => window.scrollTo(0, y)",
        target.bounding_box()["y"] + page.evaluate("window.scrollY") - 20,
    )
    page.locator("#entries .entry__action[data-action='copy']").nth(2).focus()
    page.keyboard.press("Tab")  # on to the next entry's link, under the bar
    focused = page.evaluate("document.activeElement.className")
    assert "entry__permalink" in focused
    box = page.evaluate("document.activeElement.getBoundingClientRect().toJSON()")
    assert box["top"] >= bottom(bar.bounding_box()) - 1, (box, bar.bounding_box())

    # Targets are at least 24 by 24 CSS pixels.
    for selector in ("#live-pause", "#zone-switch", "#new-updates", ".entry__action >> nth=0"):
        size = page.locator(selector).bounding_box()
        assert size["width"] >= 24 and size["height"] >= 24, selector
    assert page.console_errors == []


def bottom(box: dict) -> float:
    return box["y"] + box["height"]


def test_reduced_motion_a_hidden_tab_counts_new_updates_and_times_in_my_zone(
    browser, live_server, storm
):
    page = open_blog(
        browser, live_server, storm, reduced_motion="reduce", timezone_id="America/New_York"
    )
    wait(page, "document.getElementById('liveblog').dataset.polling === 'on'")
    title = page.title()

    page.evaluate("window.__hidden = true; document.dispatchEvent(new Event('visibilitychange'))")
    make_entry(storm, headline="One")
    make_entry(storm, headline="Two")
    wait(page, "document.title.startsWith('(2) ')", timeout=15_000)
    assert page.title() == f"(2) {title}"
    page.evaluate("window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))")
    assert page.title() == title

    page.locator("#new-updates").click()
    fresh = page.locator("#entries > article.entry--fresh").first
    assert fresh.evaluate("(el) => getComputedStyle(el).animationName") == "none"

    time = page.locator(f"#entry-{newest(storm).pk} .entry__time time")
    in_london = time.inner_text()
    assert page.locator("#zone-label").inner_text() == "Times in Europe/London"
    page.locator("#zone-switch").click()
    assert page.locator("#zone-label").inner_text() == "Times in America/New_York"
    assert page.locator("#zone-switch").inner_text() == "Use the blog’s time zone"
    assert time.inner_text() != in_london
    assert any(zone in time.inner_text() for zone in ("GMT-5", "GMT-4", "EST", "EDT"))
    page.locator("#zone-switch").click()
    assert time.inner_text() == in_london
    assert page.console_errors == []
