"""The Follow control in Chromium: shown where the browser has push, the permission asked only
on click, the service worker registered at the site's root; as far as a browser without a push
service goes (Debian's headless Chromium has none, so subscribing may fail: the reader is then
told, and nothing is stored)."""

import pytest

from liveblog.distribution import push
from liveblog.distribution.models import PushSubscription
from tests.conftest import poll
from tests.factories import make_blog, make_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def followable(settings, live_server):
    public, private = push.make_keys()
    settings.LIVEBLOG_VAPID_PUBLIC_KEY, settings.LIVEBLOG_VAPID_PRIVATE_KEY = public, private
    blog = make_blog(title="Followed")
    make_entry(blog)
    return f"{live_server.url}/{blog.slug}/"


def test_follow_asks_on_click_and_registers_the_service_worker(browser, followable, artifacts_dir):
    context = browser.new_context()
    asked = []
    page = context.new_page()
    page.on("console", lambda m: asked.append(m.text) if "permission" in m.text.lower() else None)
    page.goto(followable)
    page.wait_for_selector("#follow:not([hidden])")
    # Nothing asked before the click.
    assert page.evaluate("Notification.permission") == "default"
    assert page.evaluate("navigator.serviceWorker.getRegistration()") is None
    context.grant_permissions(["notifications"])
    page.get_by_role("radio", name="every update").check()
    page.get_by_role("button", name="Follow this live blog").click()
    poll(page, "document.getElementById('follow-status').textContent !== ''")
    scope = page.evaluate("navigator.serviceWorker.getRegistration().then(r => r && r.scope)")
    assert scope == followable.rsplit("/", 2)[0] + "/"
    script = page.evaluate(
        "navigator.serviceWorker.getRegistration().then(r => "
        "(r.active || r.waiting || r.installing).scriptURL)"
    )
    assert script.endswith("/sw.js")
    status = page.text_content("#follow-status")
    stored = PushSubscription.objects.filter(mode="all")
    if stored.exists():  # a browser with a push service
        assert status.startswith("You follow this live blog")
        assert page.is_visible("#unfollow-button") and not page.is_visible("#follow-button")
    else:
        assert status == "Following did not work in this browser. Try again later."
        assert page.is_visible("#follow-button") and not page.is_visible("#unfollow-button")
    page.screenshot(path=str(artifacts_dir / "follow.png"))
    context.close()


def test_refused_permission_is_explained(browser, followable):
    context = browser.new_context()
    page = context.new_page()
    page.goto(followable)
    page.wait_for_selector("#follow:not([hidden])")
    page.get_by_role("button", name="Follow this live blog").click()
    poll(page, "document.getElementById('follow-status').textContent !== ''")
    assert "blocked" in page.text_content("#follow-status")
    assert not PushSubscription.objects.exists()
    context.close()


def test_without_javascript_the_control_stays_hidden(browser, followable):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(followable)
    assert page.locator("#follow").count() == 1 and not page.is_visible("#follow")
    assert page.is_visible("text=all updates (Atom)")
    context.close()


def test_teaser_card_fits_its_reserved_frame(browser, live_server, artifacts_dir):
    blog = make_blog(title="A storm crosses the coast: live coverage of the evacuations")
    for n in range(5):
        make_entry(blog, headline=f"Update {n}: " + "a long headline that wraps " * 4)
    context = browser.new_context(viewport={"width": 360, "height": 300})
    page = context.new_page()
    page.goto(f"{live_server.url}/{blog.slug}/teaser/")
    size = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollHeight]")
    assert size[0] <= 360 and size[1] <= 300
    assert page.locator(".teaser__entry").count() == 3
    page.screenshot(path=str(artifacts_dir / "teaser.png"))
    context.close()
