import shutil
import time
from pathlib import Path

import pytest

from tests.needs import missing

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "seeds"
EXPECTED_DIR = ROOT.parent / "shared" / "seeds-expected"


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture
def expected_dir() -> Path:
    if not EXPECTED_DIR.is_dir():
        pytest.skip(f"expected documents not found at {EXPECTED_DIR} (../shared is missing)")
    return EXPECTED_DIR


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield settings.MEDIA_ROOT
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS_DIR = ROOT / "artifacts"


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright, one per test module; skips where either is missing.

    Module scope keeps Playwright's event loop, and the async-safety opt-out it needs, from
    outliving the browser tests.
    """
    if not CHROMIUM.exists():
        missing("browser test: /usr/bin/chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("browser test: the playwright Python package is not installed")
    import os

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh browser page that fails the test on any console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    # Playwright's own wait_for_function evaluates its predicate with eval inside the page, which
    # the site's Content-Security-Policy (no 'unsafe-eval') refuses, as it should.
    page.wait_for_function = lambda expression, **options: poll(page, expression, **options)
    yield page
    context.close()


def poll(page, expression: str, *, arg=None, timeout: float = 30_000, interval: float = 50):
    """Wait until the JavaScript expression (or function of `arg`) is truthy, asking through the
    DevTools protocol, which the page's CSP does not govern. Same arguments as
    page.wait_for_function."""
    deadline = time.monotonic() + timeout / 1000
    while not (value := page.evaluate(expression, arg)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} ms for {expression}")
        page.wait_for_timeout(interval)
    return value


@pytest.fixture
def artifacts_dir() -> Path:
    """Where browser tests save screenshots (kept by CI as test artifacts)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(autouse=True)
def fresh_live_check_memo(settings):
    """The live check's per-process memo must not carry one test's blogs into the next, and is
    off unless a test turns it on: it is forgotten when a write commits, and tests run inside a
    transaction that never does (those tests use django_capture_on_commit_callbacks)."""
    from liveblog import freshness
    from liveblog.freshness import cache

    freshness.forget_recent_states()
    cache.memo.__init__()
    settings.LIVEBLOG_MEMO_SECONDS = 0


@pytest.fixture(autouse=True)
def local_cache(settings):
    """The cache in this process's memory and no Redis state store, whatever REDIS_URL says:
    there REDIS_URL names the database the Redis tests use (tests/test_cache.py, which turn
    Redis on themselves), while every other test's query counts assume a local cache."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.LIVEBLOG_STATE_REDIS_URL = ""


@pytest.fixture(autouse=True)
def search_answers_not_kept(settings):
    """The cache outlives a test: search answers are not kept there, nor searches counted
    against the throttle, unless a test turns them on."""
    settings.LIVEBLOG_SEARCH_CACHE_SECONDS = 0
    settings.LIVEBLOG_SEARCH_RATE = ""


@pytest.fixture(autouse=True)
def plain_static(settings):
    """Serve static files without the collectstatic manifest: tests never run collectstatic.

    test_production.py turns the manifest storage back on where it checks it.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def api_client(settings):
    """An anonymous API client; throttling is off unless a test turns it on."""
    from rest_framework.test import APIClient

    settings.LIVEBLOG_API_ANON_RATE = ""
    return APIClient()


def _user_with_liveblog_permissions(username: str, *, editor: bool):
    from django.contrib.auth.models import Group, Permission, User

    user = User.objects.create_user(username, password="pw", first_name=username.title())
    if editor:
        group = Group.objects.filter(name="Editors").first()
        if group is not None:
            user.groups.add(group)
        else:
            user.user_permissions.set(Permission.objects.filter(content_type__app_label="liveblog"))
    return user


@pytest.fixture
def api_editor(db):
    """An API user in the Editors group (or holding its model permissions)."""
    return _user_with_liveblog_permissions("api-editor", editor=True)


@pytest.fixture
def api_editor_client(api_client, api_editor):
    """An API client authenticated with the editor's token."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=api_editor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


@pytest.fixture
def api_reader_client(api_client, db):
    """Signed in (session) but without any liveblog permission."""
    api_client.force_login(_user_with_liveblog_permissions("api-reader", editor=False))
    return api_client


@pytest.fixture
def editor(db, django_user_model):
    """A staff user in the "Editors" group that migration 0002 creates."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "editor", password="editor-pass-1234", is_staff=True, first_name="Eda"
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    """A test client logged in to the admin as an editor."""
    client.force_login(editor)
    return client


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The translation catalogues' .mo files, which `make test` builds before pytest; a bare
    pytest on a fresh clone builds them here (the German and Arabic pages need them)."""
    import io

    from django.core.management import call_command
    from django.utils import translation

    if not all(
        po.with_suffix(".mo").exists()
        and po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime
        for po in (ROOT / "locale").rglob("*.po")
    ):
        call_command("compile_catalogues", stdout=io.StringIO())
        translation.trans_real._translations = {}


@pytest.fixture(autouse=True)
def no_request_left_open():
    """A WSGI call whose response was never closed (schemathesis) leaves its request open in
    this thread: distribution (liveblog.distribution.receivers) would keep collecting the next
    test's changes for a request_finished that never comes. Close it before each test."""
    from liveblog.distribution import receivers

    receivers._local.pending = None
