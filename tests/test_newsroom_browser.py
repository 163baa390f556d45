"""A newsroom on one blog, in a real browser (Debian chromium via Playwright): a contributor
submits from the desk, an editor returns it with a note, the contributor fixes and resubmits,
the editor approves and labels it, and an open reader page shows it; another contributor never
sees the first one's drafts. Then the desk at 1280x800 and 1366x768 (screenshots in
artifacts/), and its poll, which slows down while nothing changes and stops in a hidden tab.
Prints the actions each step took (clicks, key presses, file choices; typing aside)."""

import os
import time

import pytest
from PIL import Image as PILImage

from liveblog.models import Entry, EntryStatus
from tests.conftest import poll
from tests.factories import make_blog, make_entry, make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "pw"
VIEWPORTS = [(1280, 800), (1366, 768)]


@pytest.fixture(autouse=True)
def quick_polls(settings):
    settings.LIVEBLOG_DESK_POLL_SECONDS = 1
    settings.LIVEBLOG_POLL_SECONDS = 1


@pytest.fixture
def blog():
    return make_blog(title="Storm live: the coast braces", slug="storm", time_zone="Europe/Berlin")


@pytest.fixture
def team(blog):
    return {
        "carla": make_member(blog, "carla", "contributor", last_name="Ruiz"),
        "dana": make_member(blog, "dana", "contributor", last_name="Ito"),
        "eve": make_member(blog, "eve", "editor", last_name="Stone"),
    }


@pytest.fixture
def photos(tmp_path) -> dict:
    """A 30 MB and a 60 MB camera JPEG (random pixels hardly compress)."""
    made = {}
    for name, (width, height) in {"30mb": (3240, 2430), "60mb": (4460, 3500)}.items():
        path = tmp_path / f"DSC_{name}.jpg"
        pixels = os.urandom(width * height * 3)
        PILImage.frombytes("RGB", (width, height), pixels).save(
            path, "JPEG", quality=100, subsampling=0
        )
        made[name] = path
    return made


class Actions:
    """Counts a person's actions besides typing: clicks, key presses, file choices."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, selector: str) -> None:
        self.count += 1
        self.page.click(selector)

    def choose_file(self, selector: str, path) -> None:
        self.count += 1
        self.page.set_input_files(selector, str(path))


def desk_of(browser, live_server, user, blog, *, size=(1280, 800)):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    context.add_cookies([session_cookie(live_server, user)])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    page.goto(f"{live_server.url}/admin/liveblog/blog/{blog.pk}/desk/")
    poll(page, "document.documentElement.dataset.deskReady === '1'")
    return page


def session_cookie(live_server, user) -> dict:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def wait_for_text(page, selector: str, text: str, timeout: float = 15_000) -> None:
    poll(
        page,
        "([selector, text]) => [...document.querySelectorAll(selector)]"
        ".some(node => node.textContent.includes(text))",
        arg=[selector, text],
        timeout=timeout,
    )


def test_contributor_and_editor_from_submission_to_readers(
    browser, live_server, blog, team, photos, media_root
):
    make_entry(blog, headline="Coastguard on alert", body="Boats are back in port.")
    reader = browser.new_page()
    reader.goto(live_server.url + blog.get_absolute_url())
    poll(reader, "document.getElementById('liveblog').dataset.polling === 'on'")
    steps = {}

    # 1. Carla writes an update with a camera photo and submits it. A 60 MB file is refused at
    #    once, naming the limit, and nothing she typed is lost.
    carla = desk_of(browser, live_server, team["carla"], blog)
    assert carla.locator("#desk-photo").get_attribute("open") is None  # closed until used
    assert carla.locator(".desk-publish").count() == 1  # her primary button...
    assert carla.inner_text("#desk-submit") == "Submit for approval"  # ...submits
    assert (
        carla.locator("#desk-schedule").count() == 0 and carla.locator("#id_is_pinned").count() == 0
    )
    acts = Actions(carla)
    carla.fill("#id_headline", "Boats pulled ashore in the harbur")
    carla.fill("#id_body", "Fishermen are hauling their boats onto the dyke.")
    carla.set_input_files("#id_photo", str(photos["60mb"]))
    wait_for_text(carla, "#errors-photo", "at most 50.0")
    assert carla.locator("#desk-photo").get_attribute("open") is not None
    assert carla.input_value("#id_headline") == "Boats pulled ashore in the harbur"
    assert carla.input_value("#id_body").startswith("Fishermen")
    acts.choose_file("#id_photo", photos["30mb"])
    carla.fill("#id_alt_text", "Fishing boats on a grassy dyke")
    acts.click("#desk-submit")
    wait_for_text(carla, "#desk-status", "Submitted")
    steps["contributor submits (with a photo)"] = acts.count
    entry = Entry.objects.get(headline__startswith="Boats pulled ashore")
    assert entry.status == EntryStatus.SUBMITTED
    image = entry.captions.get().image
    assert max(image.width, image.height) == 3000  # stored downscaled
    wait_for_text(carla, "#desk-queue", "Boats pulled ashore")

    # Dana, another contributor, sees nothing of it.
    dana = desk_of(browser, live_server, team["dana"], blog)
    assert "Boats pulled ashore" not in dana.inner_text("#desk-stream")
    assert dana.locator("#desk-queue").count() == 0
    dana.context.close()

    # 2. Eve, an editor of the blog, finds it in the queue and returns it with a note.
    eve = desk_of(browser, live_server, team["eve"], blog)
    assert eve.inner_text("#desk-queue-count") == "1"
    acts = Actions(eve)
    row = f"#desk-entry-{entry.pk}"
    acts.click(f"{row} [data-review=return]")
    eve.fill(f"#review-note-{entry.pk}", "Harbour is misspelt; which harbour is it?")
    acts.click(f"{row} .desk-entry__review .button.default")
    wait_for_text(eve, "#desk-status", "Returned")
    steps["editor returns it with a note"] = acts.count
    poll(eve, "document.getElementById('desk-queue-count').textContent === '0'")

    # 3. Carla sees the note on her desk (its poll), fixes the headline and resubmits.
    wait_for_text(carla, f"{row} .desk-entry__note", "which harbour is it?")
    assert "Returned" in carla.inner_text(f"{row} .desk-entry__bar")
    acts = Actions(carla)
    acts.click(f"{row} [data-edit]")
    carla.fill(f"#edit-headline-{entry.pk}", "Boats pulled ashore in Husum harbour")
    acts.click(f"{row} .desk-entry__editor .button.default")
    wait_for_text(carla, "#desk-status", "Submitted")
    steps["contributor fixes and resubmits"] = acts.count

    # 4. Eve's queue counts it again without a reload; she approves it with one click.
    poll(eve, "document.getElementById('desk-queue-count').textContent === '1'", timeout=15_000)
    acts = Actions(eve)
    acts.click(f"{row} [data-verb=approve]")
    wait_for_text(eve, "#desk-status", "Approved")
    steps["editor approves"] = acts.count

    # 5. The open reader page shows it.
    reader.locator("#new-updates").wait_for(state="visible", timeout=15_000)
    reader.locator("#new-updates").click()
    wait_for_text(reader, "#entries .entry__headline", "Boats pulled ashore in Husum harbour")

    # 6. One click labels it; readers see the label.
    wait_for_text(eve, f"{row} [data-verb=verify]", "Confirmed")
    acts = Actions(eve)
    acts.click(f'{row} [data-verification="confirmed"]')
    wait_for_text(eve, "#desk-status", "Label changed")
    steps["editor labels it confirmed"] = acts.count
    # An edit of an entry the reader is looking at waits until it is out of view (live.js: no
    # layout shift under the reader's eyes): the reader scrolls on, and it is there.
    time.sleep(2)  # a poll or two brings the change, held while the entry is in view
    reader.set_viewport_size({"width": 1280, "height": 240})
    reader.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    wait_for_text(reader, f"#entry-{entry.pk} .verification__label", "Confirmed", timeout=20_000)
    poll(
        eve,
        "([row]) => document.querySelector(row + ' [data-verification=confirmed]')"
        ".getAttribute('aria-pressed') === 'true'",
        arg=[row],
    )

    for step, count in steps.items():
        print(f"NEWSROOM {step}: {count} action(s)")
    assert steps == {
        "contributor submits (with a photo)": 2,
        "editor returns it with a note": 2,
        "contributor fixes and resubmits": 2,
        "editor approves": 1,
        "editor labels it confirmed": 1,
    }
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED and entry.verification == "confirmed"
    assert [
        row[0] for row in entry.history.order_by("history_id").values_list("history_user__username")
    ] == [
        "carla",
        "eve",
        "carla",
        "eve",
        "eve",
    ]
    # The renditions of the photo are not served by the test server (no media without DEBUG).
    for page in (carla, eve):
        assert all("404" in error for error in page.console_errors), page.console_errors
        page.context.close()
    reader.close()


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_desk_fits_the_first_screen(
    browser, live_server, blog, team, width, height, artifacts_dir
):
    for n in range(6):
        make_entry(blog, headline=f"Update {n}: wind on the coast", body="Text. " * 30)
    submitted = make_entry(blog, headline="Reporter: the ferry stays in port", status="draft")
    submitted.authors.add(team["carla"])
    submitted.submit()
    page = desk_of(browser, live_server, team["eve"], blog, size=(width, height))
    page.screenshot(path=str(artifacts_dir / f"desk-{width}x{height}.png"))
    page.screenshot(path=str(artifacts_dir / f"desk-{width}x{height}-full.png"), full_page=True)
    for selector in ("#id_headline", "#id_body", "#desk-publish", "#desk-status"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] + box["height"] <= height, (selector, box)
    assert page.locator("#desk-photo").get_attribute("open") is None
    assert page.inner_text("#desk-queue-count") == "1"
    publish = page.locator("#desk-publish").bounding_box()
    print(f"DESK {width}x{height}: Publish now ends at {publish['y'] + publish['height']:.0f} px")
    page.context.close()


def test_the_poll_slows_down_while_quiet_and_stops_in_a_hidden_tab(
    browser, live_server, blog, team
):
    page = desk_of(browser, live_server, team["eve"], blog)
    polls = []
    page.on(
        "request",
        lambda request: polls.append(request.url) if "/desk/stream/" in request.url else None,
    )
    # Nothing changes: each 304 waits half as long again, up to 4 intervals (1 s here).
    poll(
        page, "Number(document.documentElement.dataset.deskPollDelay || 0) >= 3000", timeout=20_000
    )
    # Hidden: no poll at all.
    page.evaluate(
        "() => { Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    page.wait_for_timeout(300)
    before = len(polls)
    page.wait_for_timeout(5_000)
    assert len(polls) == before
    # Shown again: it asks at once, at the first interval, and a change shows up.
    make_entry(blog, headline="Back in view")
    page.evaluate(
        "() => { Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    wait_for_text(page, "#desk-stream .entry__headline", "Back in view", timeout=3_000)
    assert page.console_errors == []
    page.context.close()


def test_a_picture_dropped_on_the_body_opens_the_photo_section(browser, live_server, blog, team):
    page = desk_of(browser, live_server, team["eve"], blog)
    page.fill("#id_body", "Typed before the picture came.")
    page.evaluate(
        """() => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array([137, 80, 78, 71])], "harbour.png",
                                        {type: "image/png"}));
            const body = document.getElementById("id_body");
            body.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true,
                                                         cancelable: true}));
            body.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true,
                                                     cancelable: true}));
        }"""
    )
    assert page.locator("#desk-photo").get_attribute("open") is not None
    assert page.evaluate("document.getElementById('id_photo').files[0].name") == "harbour.png"
    assert page.evaluate("document.activeElement.id") == "id_alt_text"
    assert page.input_value("#id_body") == "Typed before the picture came."
    page.context.close()
