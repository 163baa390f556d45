"""The Content-Security-Policy in a real browser: no page of the site, the admin or the API docs
trips it, and the admin's live preview applies the same URL policy as the server."""

import importlib
import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from liveblog import body
from liveblog.models import Blog, Caption, Entry, Image
from tests.factories import make_entry
from tests.test_body import URL_CASES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "chief-editor-pass-1234"

# Runs before any script of the page, outside its CSP: records every violation the page reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


@pytest.fixture
def csp_page(page):
    page.add_init_script(RECORD_VIOLATIONS)
    return page


@pytest.fixture
def site():
    """The seed blogs, and a superuser signed in to nothing yet."""
    call_command("import_seeds", verbosity=0, stdout=io.StringIO())
    migration = importlib.import_module("liveblog.migrations.0002_editors_group")
    migration.create_editors_group(apps, None)  # an earlier transactional test may flush it
    get_user_model().objects.create_superuser("chief", password=PASSWORD)
    return Blog.objects.order_by("pk")


def visit(page, url: str) -> list[str]:
    """Open the page, let its scripts run, and return what the CSP refused there."""
    response = page.goto(url)
    assert response.status < 400, f"{url} answered {response.status}"
    assert "Content-Security-Policy" in {name.title() for name in response.headers}, url
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def test_no_page_trips_the_content_security_policy(csp_page, live_server, site, artifacts_dir):
    page = csp_page
    errors = []
    page.on("console", lambda m: errors.append(m) if m.type == "error" else None)
    blog = site.first()
    entry = Entry.objects.filter(blog=blog).first()
    image = Image.objects.first()
    base = live_server.url
    public = [
        "/",
        blog.get_absolute_url(),
        blog.get_absolute_url() + "?key_events=1",
        entry.get_absolute_url(),
        reverse("liveblog:search") + "?q=talks",
        reverse("liveblog:blog-feed", args=[blog.slug]),
        "/api/docs/",
        "/api/blogs/",  # the browsable API, as a browser asks for it
        f"/api/blogs/{blog.slug}/entries/",
        "/api/auth/login/",
        reverse("admin:login"),
    ]
    violations = {path: visit(page, base + path) for path in public}

    # Swagger UI rendered the operations (its script ran under the policy).
    page.goto(base + "/api/docs/")
    page.wait_for_selector(".opblock", timeout=15_000)
    page.screenshot(path=str(artifacts_dir / "api-docs.png"))

    page.goto(base + reverse("admin:login"))
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    admin = [
        reverse("admin:index"),
        reverse("admin:liveblog_blog_changelist"),
        reverse("admin:liveblog_blog_change", args=[blog.pk]),
        reverse("admin:liveblog_blog_add"),
        reverse("admin:liveblog_entry_changelist"),
        reverse("admin:liveblog_entry_changelist") + f"?blog__id__exact={blog.pk}",
        reverse("admin:liveblog_entry_change", args=[entry.pk]),
        reverse("admin:liveblog_entry_add") + f"?blog={blog.pk}",
        reverse("admin:liveblog_image_changelist"),
        reverse("admin:liveblog_image_change", args=[image.pk]),
        reverse("admin:liveblog_image_add"),
        reverse("admin:liveblog_caption_changelist"),
        reverse("admin:liveblog_caption_change", args=[Caption.objects.first().pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:liveblog_entry_history", args=[entry.pk]),
    ]
    violations.update({path: visit(page, base + path) for path in admin})

    # The admin's scripts at work: the blog filter's autocomplete and the entry form's widgets.
    page.goto(base + reverse("admin:liveblog_entry_changelist"))
    page.click("#changelist-filter .select2-selection")
    page.fill(".select2-search__field", blog.title[:4])
    page.wait_for_selector(".select2-results__option")
    page.goto(base + reverse("admin:liveblog_entry_add") + f"?blog={blog.pk}")
    page.fill("#id_body", "Typed.\n\n[Read](https://example.com/)")
    page.click("#captions-group .add-row a")
    page.click("#captions-0 .select2-selection")
    page.wait_for_selector(".select2-results__option")
    page.keyboard.press("Escape")
    page.click(".datetimeshortcuts a >> nth=0")  # "Today" fills the date field
    page.screenshot(path=str(artifacts_dir / "admin-entry-form-csp.png"), full_page=True)
    violations["admin widgets"] = page.evaluate("window.__violations")

    refused = {path: found for path, found in violations.items() if found}
    assert not refused, "\n".join(f"{path}: {found}" for path, found in refused.items())
    # Browsers ask for /favicon.ico on pages that name no icon (DRF's, the feed's XML view);
    # the site has none. Every other console error counts.
    # The feed is XML, which cannot name an icon, so the browser asks for /favicon.ico (a 404).
    # Every other console error counts.
    assert [
        (error.text, error.location["url"])
        for error in errors
        if error.location["url"] != base + "/favicon.ico"
    ] == []


def test_the_live_preview_applies_the_servers_url_policy(csp_page, live_server, site):
    page = csp_page
    entry = make_entry(site.first(), body="Draft.")
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(live_server.url + reverse("admin:liveblog_entry_change", args=[entry.pk]))

    shown = {}
    # Only addresses the body markup can carry as a link: no whitespace or parentheses.
    cases = [url for url, _ in URL_CASES if url and not any(c in url for c in " \t\n()")]
    for url in cases:
        page.fill("#id_body", f"[Link]({url})")
        link = page.locator("#lb-live-preview a")
        shown[url] = link.get_attribute("href") if link.count() else ""
    assert shown == {url: body.safe_url(url) for url in cases}
    assert page.evaluate("window.__violations") == []


def test_the_browsable_apis_log_out_works_under_the_policy(csp_page, live_server, db):
    """DRF's own "Log out" is an inline onclick, which the policy blocks: the session stayed."""
    page = csp_page
    get_user_model().objects.create_superuser("chief", password=PASSWORD)
    page.goto(live_server.url + "/api/auth/login/?next=/api/blogs/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("#submit-id-submit")
    page.wait_for_url("**/api/blogs/")
    assert "onclick" not in page.content()

    page.click("a.dropdown-toggle")
    page.click("button:has-text('Log out')")
    page.wait_for_load_state("networkidle")

    assert page.evaluate("window.__violations") == []
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]
    page.goto(live_server.url + "/api/blogs/")
    assert page.locator("a", has_text="Log in").count() == 1
