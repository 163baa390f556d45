"""A German blog and an Arabic blog tried in a real browser (Debian chromium through Playwright):
lang and dir, the interface in the blog's language, plural forms of the live script, dates,
the mirrored layout, screenshots at phone and desktop widths, axe-core; and the admin in the
editor's browser language."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from tests.conftest import ROOT, poll
from tests.factories import make_blog, make_entry
from tests.needs import missing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# A Sunday evening in March, in the blogs' zones.
POSTED = dt.datetime(2026, 3, 8, 17, 0, tzinfo=dt.UTC)


@pytest.fixture
def sturm():
    blog = make_blog(
        slug="sturmtief-zeynep",
        title="Sturmtief „Zeynep“: Orkanböen an der Nordseeküste",
        standfirst="Der Wetterdienst warnt vor Böen bis 140 km/h; die Bahn stellt den Betrieb ein.",
        language="de",
        time_zone="Europe/Berlin",
        attribution="Nachrichtenagenturen",
    )
    sentences = [
        (
            "Der Deutsche Wetterdienst ruft die höchste Warnstufe aus",
            "Für die gesamte Nordseeküste gilt eine Unwetterwarnung vor extremen Orkanböen.",
        ),
        (
            "Bahn stellt Fernverkehr in Norddeutschland ein",
            "Zwischen Hamburg, Bremen und Hannover fahren bis auf Weiteres keine Fernzüge.",
        ),
        (
            "Sturmflut in Hamburg erwartet",
            "Der Fischmarkt steht bereits unter Wasser; Anwohner sollen Keller meiden.",
        ),
    ]
    for n, (headline, body) in enumerate(sentences):
        make_entry(
            blog,
            headline=headline,
            body=body,
            published_at=POSTED + dt.timedelta(minutes=20 * n),
            is_key_event=n == 0,
        )
    return blog


@pytest.fixture
def intikhabat():
    blog = make_blog(
        slug="intikhabat-baladiya",
        title="ليلة الانتخابات البلدية: النتائج أولًا بأول",
        standfirst="أُغلقت مراكز الاقتراع وبدأ فرز الأصوات في كل الدوائر.",
        language="ar",
        time_zone="Asia/Amman",
        attribution="وكالات الأنباء",
    )
    sentences = [
        (
            "أُغلقت مراكز الاقتراع وبدأ الفرز",
            "أُغلقت مراكز الاقتراع في الساعة السابعة مساءً، وبدأت اللجان فرز الأصوات.",
        ),
        (
            "نسبة المشاركة 48 في المئة",
            "قالت الهيئة المستقلة للانتخاب إن نسبة المشاركة بلغت 48 في المئة حتى إغلاق الصناديق.",
        ),
        (
            "المرشح المستقل يتقدم في الدائرة الثالثة",
            "يتقدم المرشح المستقل بفارق ضئيل بعد فرز ثلثي الصناديق.",
        ),
    ]
    for n, (headline, body) in enumerate(sentences):
        make_entry(
            blog,
            headline=headline,
            body=body,
            published_at=POSTED + dt.timedelta(minutes=20 * n),
            is_key_event=n == 0,
        )
    # A statement quoted in English keeps its own language and direction.
    make_entry(
        blog,
        headline="Statement from the election observers",
        body="The count was orderly and transparent in every district we visited.",
        language="en",
        published_at=POSTED + dt.timedelta(minutes=70),
    )
    return blog


def new_page(browser, width: int = 1280, **options):
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    return page


def plural(page, count: int) -> str:
    """The live script's "N new updates", as the page's catalogue words it for `count`."""
    return page.evaluate(
        "(n) => interpolate(ngettext('%(count)s new update', '%(count)s new updates', n),"
        " {count: n}, true)",
        count,
    )


def test_a_german_blog_in_german(browser, live_server, sturm, artifacts_dir):
    page = new_page(browser, locale="ar")  # the reader's browser does not decide
    page.clock.install(time=POSTED + dt.timedelta(minutes=45))
    page.goto(live_server.url + sturm.get_absolute_url())

    assert page.get_attribute("html", "lang") == "de"
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.inner_text("#updates-heading") == "Beiträge"
    assert page.inner_text("#key-events-heading") == "Wichtige Ereignisse"
    assert page.inner_text(".blog-header__updated").startswith("Zuletzt aktualisiert")
    newest = page.locator("#entries > article").first
    assert newest.locator(".entry__day").inner_text() == "Sonntag, 8. März 2026"
    assert newest.locator("time").inner_text().startswith("18:40 CET")
    assert newest.locator(".entry__ago").inner_text() == "vor 5 Min."
    assert [plural(page, n) for n in (1, 2, 3, 11)] == [
        "1 neuer Beitrag",
        "2 neue Beiträge",
        "3 neue Beiträge",
        "11 neue Beiträge",
    ]
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifacts_dir / f"i18n-de-{width}.png"), full_page=True)
    assert page.console_errors == []
    page.context.close()


def test_an_arabic_blog_in_arabic_right_to_left(browser, live_server, intikhabat, artifacts_dir):
    page = new_page(browser, locale="de-DE")
    page.clock.install(time=POSTED + dt.timedelta(minutes=75))
    page.goto(live_server.url + intikhabat.get_absolute_url())

    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("#updates-heading") == "التحديثات"
    assert page.inner_text("#key-events-heading") == "الأحداث الرئيسية"
    assert page.inner_text(".blog-header__updated").startswith("آخر تحديث")
    # The English statement reads left to right inside the Arabic page.
    statement = page.locator("#entries > article").first
    assert statement.get_attribute("lang") == "en" and statement.get_attribute("dir") == "ltr"
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#entries > article')).direction")
        == "ltr"
    )
    # The clock time comes first in the reading direction: left in English, right in Arabic.
    clock, ago = (
        statement.locator("time").bounding_box(),
        statement.locator(".entry__ago").bounding_box(),
    )
    assert clock["x"] < ago["x"]
    arabic = page.locator("#entries > article").nth(1)
    clock, ago = arabic.locator("time").bounding_box(), arabic.locator(".entry__ago").bounding_box()
    assert clock["x"] > ago["x"]
    assert arabic.get_attribute("lang") is None
    assert arabic.locator(".entry__day").inner_text() == "الأحد 8 مارس 2026"
    assert arabic.locator("time").inner_text().startswith("20:40 +03")  # Amman
    assert arabic.locator(".entry__ago").inner_text() == "قبل 35 دقيقة"
    # Arabic has six plural forms: one, two, a few (3-10), many (11-99)...
    assert [plural(page, n) for n in (1, 2, 3, 11, 100)] == [
        "تحديث جديد واحد",
        "تحديثان جديدان",
        "3 تحديثات جديدة",
        "11 تحديثًا جديدًا",
        "100 تحديث جديد",
    ]
    # Mirrored: the key event's rule on the right, the site's name on the right of its search.
    key_event = page.locator("article.entry--key").first
    assert key_event.evaluate("(a) => getComputedStyle(a).borderRightWidth") == "4px"
    assert key_event.evaluate("(a) => getComputedStyle(a).borderLeftWidth") == "0px"
    name = page.locator(".site-name").bounding_box()
    search = page.locator(".site-search").bounding_box()
    assert name["x"] > search["x"]
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifacts_dir / f"i18n-ar-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, width
    assert page.console_errors == []
    page.context.close()


def test_new_updates_arrive_with_their_arabic_plural(browser, live_server, intikhabat, settings):
    settings.LIVEBLOG_POLL_SECONDS = 1
    page = new_page(browser)
    page.goto(live_server.url + intikhabat.get_absolute_url())
    button = page.locator("#new-updates")

    make_entry(intikhabat, headline="فرز الصناديق في الدائرة الأولى", published_at=timezone.now())
    poll(page, "document.getElementById('new-updates').textContent !== ''")
    assert button.inner_text() == "تحديث جديد واحد"
    make_entry(
        intikhabat, headline="النتائج الأولية في الدائرة الثانية", published_at=timezone.now()
    )
    poll(
        page,
        "document.getElementById('new-updates').textContent === 'تحديثان جديدان'",
        timeout=10_000,
    )
    # Centred under the stream's bar, inside the page, in a right-to-left page too.
    box = button.bounding_box()
    width = page.viewport_size["width"]
    assert abs((box["x"] + box["width"] / 2) - width / 2) < width * 0.2
    assert page.console_errors == []
    page.context.close()


def axe_violations(page) -> list[dict]:
    return page.evaluate(
        "async () => { const r = await axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});"
        " return r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))"
        ".slice(0, 5), summary: v.nodes.length ? v.nodes[0].failureSummary : ''})); }"
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_german_and_arabic_pages_have_no_axe_violations(
    browser, live_server, sturm, intikhabat, scheme
):
    if not AXE.exists():
        missing(f"axe-core is not installed at {AXE} (run `npm ci`, as .ci/run does)")
    page = new_page(browser, color_scheme=scheme)
    page.add_init_script(path=str(AXE))
    paths = [
        sturm.get_absolute_url(),
        intikhabat.get_absolute_url(),
        intikhabat.get_absolute_url() + "?key_events=1",
        intikhabat.entries.first().get_absolute_url(),
        f"/{intikhabat.slug}/embed/",
        f"/search/?q=الانتخابات&blog={intikhabat.slug}",
    ]
    found = {}
    for path in paths:
        page.goto(live_server.url + path)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        if violations := axe_violations(page):
            found[path] = violations
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
    page.context.close()


def test_the_admin_in_the_editors_browser_language(browser, live_server, artifacts_dir):
    page = new_page(browser, locale="de-DE")
    page.goto(live_server.url + "/admin/login/")

    assert page.get_attribute("html", "lang") == "de"
    assert page.inner_text("label[for=id_username]").startswith("Benutzername")
    arabic = new_page(browser, locale="ar")
    arabic.goto(live_server.url + "/admin/login/")
    assert arabic.get_attribute("html", "dir") == "rtl"
    page.screenshot(path=str(artifacts_dir / "i18n-admin-de-1280.png"))
    page.context.close()
    arabic.context.close()
