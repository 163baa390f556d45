"""Blogs in any language: the page speaks its blog's language (lang, dir, interface strings,
dates), the admin and the pages of no blog the request's, and every reader string is marked
for translation and translated in the shipped catalogues."""

import datetime
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.template import base as template_base
from django.utils import translation

from liveblog import languages
from liveblog.models import Blog
from tests.factories import make_blog, make_entry
from tests.needs import missing

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
SHIPPED = ["de", "ar"]
DOMAINS = ["django", "djangojs"]
NOW = datetime.datetime(2026, 3, 8, 19, 30, tzinfo=datetime.UTC)


def json_escaped(text: str) -> str:
    return text.encode("unicode_escape").decode()


def page(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response.content.decode()


# --- the blog decides ---------------------------------------------------------------------------


def test_a_blog_page_speaks_its_blogs_language_whatever_the_browser_says(client):
    blog = make_blog(slug="wahl", title="Landtagswahl in Hessen", language="de")
    make_entry(blog, headline="Erste Hochrechnung", is_key_event=True)

    html = page(client, "/wahl/", accept_language="ar")

    assert '<html lang="de" dir="ltr">' in html
    assert "Wichtige Ereignisse" in html and "Zuletzt aktualisiert" in html
    assert "Nur wichtige Ereignisse" in html and "Neueste zuerst" in html
    assert "Key events" not in html
    assert '<script src="/jsi18n/de/" defer></script>' in html


def test_an_arabic_blog_reads_right_to_left(client):
    blog = make_blog(slug="awasif", title="عاصفة على الساحل", language="ar")
    make_entry(blog, headline="إغلاق الطرق الساحلية")

    html = page(client, "/awasif/")

    assert '<html lang="ar" dir="rtl">' in html
    assert "آخر تحديث" in html and "التحديثات" in html


def test_a_language_without_a_catalogue_falls_back_to_english(client):
    blog = make_blog(slug="orage", title="Tempête sur la Bretagne", language="fr")
    make_entry(blog, headline="Les vents atteignent 150 km/h")

    html = page(client, "/orage/")

    assert '<html lang="fr" dir="ltr">' in html
    assert "Last updated" in html and "Updates" in html


@time_machine.travel(NOW, tick=False)
def test_dates_are_written_in_the_blogs_language(client):
    for language, slug in (("de", "de-blog"), ("ar", "ar-blog"), ("en-gb", "en-blog")):
        blog = make_blog(slug=slug, language=language, time_zone="Europe/Berlin")
        make_entry(blog, published_at=NOW - datetime.timedelta(hours=1))

    german, arabic, english = (page(client, f"/{s}/") for s in ("de-blog", "ar-blog", "en-blog"))

    assert "Sonntag, 8. März 2026" in german and "19:30 CET" in german
    assert "الأحد 8 مارس 2026" in arabic
    assert "Sunday 8 March 2026" in english


def test_an_entry_in_another_language_carries_its_own_lang_and_dir(client):
    blog = make_blog(slug="mixed", language="ar")
    make_entry(blog, headline="Statement in English", language="en")
    make_entry(blog, headline="بيان باللغة العربية", language="ar")

    html = page(client, "/mixed/")

    assert html.count('lang="en" dir="ltr"') == 1
    articles = re.findall(r"<article [^>]*>", html)
    assert sum('lang="' in tag for tag in articles) == 1


def test_a_blog_page_does_not_vary_on_the_readers_language(client):
    make_blog(slug="cdn", language="de")

    response = client.get("/cdn/", headers={"accept-language": "ar"})

    assert "accept-language" not in response.headers.get("Vary", "").lower()
    assert response.headers["Content-Language"] == "de"


def test_the_live_check_carries_no_language(client):
    make_blog(slug="quiet")

    response = client.get("/quiet/live/")

    assert "Vary" not in response.headers or "accept" not in response["Vary"].lower()
    assert "Content-Language" not in response.headers


@pytest.mark.parametrize(
    "asks",
    [
        {"headers": {"accept-language": "de-DE,de;q=0.9"}},
        {"headers": {"cookie": "django_language=ar"}},
        {"headers": {"cookie": "django_language=de", "accept-language": "ar"}},
    ],
)
def test_the_index_speaks_the_sites_language_whatever_the_reader_asks(client, asks):
    """One copy for everyone: a shared cache keeps the index once (a reader's language cookie
    once chose the language of the copy every reader then got)."""
    make_blog(slug="x", title="Wahlabend", language="de")

    asked = client.get("/", **asks)
    plain = client.get("/")

    assert asked.content == plain.content
    assert '<html lang="en-gb" dir="ltr">' in asked.content.decode()
    assert "All live blogs" in asked.content.decode()
    assert asked["Content-Language"] == "en-gb"
    assert "Vary" not in asked or not {"accept-language", "cookie"} & {
        part.strip().lower() for part in asked["Vary"].split(",")
    }


def test_a_blog_page_ignores_the_language_cookie(client):
    make_blog(slug="wahl", title="Wahlabend", language="de")

    response = client.get("/wahl/", headers={"cookie": "django_language=ar"})

    assert '<html lang="de" dir="ltr">' in response.content.decode()
    assert response["Content-Language"] == "de"


def test_the_404_page_speaks_the_sites_language(client):
    response = client.get(
        "/no-such-blog/", headers={"accept-language": "ar", "cookie": "django_language=ar"}
    )

    assert response.status_code == 404
    assert '<html lang="en-gb" dir="ltr">' in response.content.decode()
    assert "Page not found" in response.content.decode()


def test_the_api_follows_accept_language_never_the_cookie(client):
    german = client.get("/api/blogs/nope/", headers={"accept-language": "de"})
    cookie = client.get("/api/blogs/nope/", headers={"cookie": "django_language=de"})

    assert german["Content-Language"] == "de" and "Accept-Language" in german["Vary"]
    assert cookie["Content-Language"] == "en-gb"
    assert cookie.json()["detail"] != german.json()["detail"]


def test_the_admin_still_follows_the_editors_choice(admin_client):
    admin_client.cookies["django_language"] = "de"
    html = admin_client.get("/admin/")

    assert '<html lang="de"' in html.content.decode()


def test_the_script_catalogue_has_arabic_plural_forms(client):
    response = client.get("/jsi18n/ar/")

    assert response.status_code == 200
    body = response.content.decode()
    assert json_escaped("تحديثان جديدان") in body and "n%100>=11" in body.replace(" ", "")
    assert "6 a.m." not in body  # the admin's calendar strings stay in the admin
    assert "public" in response["Cache-Control"]
    assert client.get("/jsi18n/xx/").status_code == 404


def test_the_feed_carries_its_language(client):
    blog = make_blog(slug="feed-de", language="de")
    make_entry(blog, is_key_event=True)

    feed = page(client, "/feed-de/feed/key-events/")

    assert 'xml:lang="de"' in feed
    assert "wichtige Ereignisse" in feed and 'term="Wichtiges Ereignis"' in feed


def test_json_ld_says_in_which_language(client):
    blog = make_blog(slug="ld", language="ar")
    entry = make_entry(blog)

    assert '"inLanguage": "ar"' in page(client, "/ld/")
    assert '"inLanguage": "ar"' in page(client, f"/ld/entries/{entry.pk}/")


def test_the_sitemap_lists_a_storys_blogs_in_other_languages(client):
    english = make_blog(slug="storm", language="en-gb")
    german = make_blog(slug="sturm", language="de")
    arabic = make_blog(slug="asifa", language="ar")
    english.translations.add(german, arabic)

    assert "/sitemap-blogs.xml</loc>" in page(client, "/sitemap.xml")  # the index
    sitemap = page(client, "/sitemap-blogs.xml")

    storm = sitemap.split("<url>")[
        [n for n, part in enumerate(sitemap.split("<url>")) if "/storm/</loc>" in part][0]
    ]
    assert 'hreflang="de" href="http://testserver/sturm/"' in storm
    assert 'hreflang="ar" href="http://testserver/asifa/"' in storm
    assert 'hreflang="en-gb" href="http://testserver/storm/"' in storm


# --- the API ------------------------------------------------------------------------------------


def test_the_api_reads_writes_and_filters_the_language(api_editor_client):
    make_blog(slug="sturm", language="de")
    make_blog(slug="storm", language="en-gb")

    listed = api_editor_client.get("/api/blogs/?language=de").json()["results"]
    refused = api_editor_client.patch("/api/blogs/storm/", {"language": "klingon"}, format="json")
    linked = api_editor_client.patch(
        "/api/blogs/storm/", {"language": "en", "translations": ["sturm"]}, format="json"
    )

    assert [blog["slug"] for blog in listed] == ["sturm"]
    assert refused.status_code == 400 and "language" in refused.json()["errors"]
    assert linked.status_code == 200, linked.content
    assert linked.json()["language"] == "en" and linked.json()["translations"] == ["sturm"]
    assert list(Blog.objects.get(slug="sturm").translations.values_list("slug", flat=True)) == [
        "storm"
    ]


def test_the_schema_names_the_languages(client):
    schema = client.get("/api/schema/", headers={"accept": "application/vnd.oai.openapi+json"})

    assert schema.status_code == 200
    assert "zh-hans" in schema.content.decode() and "translations" in schema.content.decode()


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_speaks_the_editors_browser_language(admin_client):
    html = admin_client.get("/admin/", headers={"accept-language": "de"}).content.decode()

    assert '<html lang="de" dir="ltr">' in html and "Abmelden" in html


def test_an_editor_chooses_the_admin_language(admin_client):
    admin_client.post("/i18n/setlang/", {"language": "ar", "next": "/admin/"})

    html = admin_client.get("/admin/", headers={"accept-language": "de"}).content.decode()

    assert '<html lang="ar" dir="rtl">' in html


def test_the_admin_offers_the_language_choice_in_its_header(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert 'action="/i18n/setlang/"' in html and "العربية" in html and "Deutsch" in html


def test_the_projects_admin_strings_are_translated(admin_client):
    make_blog(slug="b")
    html = admin_client.get(
        "/admin/liveblog/blog/add/", headers={"accept-language": "de"}
    ).content.decode()

    assert "Übersetzungen" in html


# --- one home per rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "direction", "config"),
    [
        ("ar", "rtl", "arabic"),
        ("he", "rtl", "simple"),
        ("fa", "rtl", "simple"),
        ("ur", "rtl", "simple"),
        ("de", "ltr", "german"),
        ("en-gb", "ltr", "english"),
        ("pt-br", "ltr", "portuguese"),
        ("zh-hans", "ltr", "simple"),
        ("sw", "ltr", "simple"),
    ],
)
def test_each_language_has_its_direction_and_search_configuration(code, direction, config):
    assert languages.direction(code) == direction
    assert languages.search_config(code) == config


def test_every_blog_language_is_one_django_knows():
    for code, _ in settings.LIVEBLOG_LANGUAGES:
        assert translation.get_language_info(code)["name"], code


# --- every reader string is marked, and translated ---------------------------------------------

# Every template of the project's own: the reader pages and the editors' (admin, live desk).
# The API docs page is Swagger UI's.
READER_TEMPLATES = sorted(
    path for path in (ROOT / "templates").rglob("*.html") if path.parts[-2:-1] != ("api",)
)
# Attributes whose values readers see or hear, and values of theirs that are not words.
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
PLACEHOLDER = "\x00"  # where a variable or a translated string was: no letters


class TextFinder(HTMLParser):
    """Words readers would see in markup: text (not in scripts) and read attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.in_script = tag in ("script", "style")
        read = set(READ_ATTRIBUTES)
        if tag == "meta" and ("name", "description") in attrs:
            read.add("content")
        for name, value in attrs:
            if name in read and value and has_letters(value):
                self.found.append(value)

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if not self.in_script:
            self.found += [word for word in data.split() if has_letters(word)]


def has_letters(text: str) -> bool:
    return re.search(r"[^\W\d_]", text) is not None


def unmarked_text(path: Path) -> list[str]:
    """The words of a template outside {% translate %} / {% blocktranslate %}: the template
    with its variables and translated strings blanked out, read as HTML."""
    blanked = []
    skipping = 0  # inside a blocktranslate or a comment
    for token in template_base.Lexer(path.read_text()).tokenize():
        if token.token_type == template_base.TokenType.BLOCK:
            word = token.contents.split()[0]
            if word in ("blocktranslate", "blocktrans", "comment"):
                skipping += 1
                blanked.append(PLACEHOLDER)
            elif word in ("endblocktranslate", "endblocktrans", "endcomment"):
                skipping -= 1
            elif not skipping:
                # A tag inside an attribute value leaves it a value; one between attributes
                # must leave a space.
                blanked.append(PLACEHOLDER if word in ("translate", "trans") else " ")
        elif token.token_type == template_base.TokenType.VAR and not skipping:
            blanked.append(PLACEHOLDER)
        elif token.token_type == template_base.TokenType.TEXT and not skipping:
            blanked.append(token.contents)
    finder = TextFinder()
    # A variable that names a tag (<{{ heading }} ...>) leaves a tag.
    finder.feed(re.sub(f"(</?){PLACEHOLDER}", r"\1x", "".join(blanked)))
    finder.close()
    return finder.found


@pytest.mark.parametrize("path", READER_TEMPLATES, ids=lambda p: p.name)
def test_templates_mark_every_string_for_translation(path):
    assert unmarked_text(path) == []


def test_the_template_check_catches_an_unmarked_string(tmp_path):
    template = tmp_path / "x.html"
    template.write_text(
        '{% load i18n %}<p>{% translate "Fine" %}</p><p title="Oops">Not marked</p>'
        "{% blocktranslate %}Also fine{% endblocktranslate %}"
    )

    assert unmarked_text(template) == ["Oops", "Not", "marked"]


# The project's own scripts (the reader's, the admin's, the live desk's).
SCRIPTS = sorted((ROOT / "liveblog" / "static" / "liveblog").rglob("*.js"))
# Where a script puts text in front of people: its text, a tooltip, an announcement, a prompt,
# or an element(tag, text) helper.
JS_SHOWN = re.compile(
    r"(?:textContent\s*=|innerText\s*=|announce\(|prompt\(|alert\(|\.title\s*="
    r"|\.placeholder\s*=|element\(\s*\"\w+\"\s*,)\s*((?:\"[^\"]*\"|[^;\"])*)",
    re.S,
)


def unmarked_script_strings(source: str) -> list[str]:
    """String literals the script shows (textContent, announce, prompt) outside gettext."""
    source = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)
    source = re.sub(r'[!=]==\s*"[^"]*"', "", source)  # compared, not shown
    found = []
    for shown in JS_SHOWN.findall(source):
        bare = re.sub(r"n?gettext\(\s*(\"[^\"]*\"\s*,?\s*)+", "", shown)
        found += [
            s
            for s in re.findall(r'"([^"]*)"', bare)
            # Words, not class names or identifiers ("lb-preview__link", "live").
            if re.search(r"[A-Za-z]", s) and not re.fullmatch(r"[a-z][a-z0-9_-]*", s)
        ]
    return found


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_scripts_show_only_translated_sentences(path):
    assert unmarked_script_strings(path.read_text()) == []


def test_the_script_check_catches_an_unmarked_string():
    source = 'button.textContent = "3 new updates";\nannounce(gettext("Fine"));'

    assert unmarked_script_strings(source) == ["3 new updates"]


@pytest.mark.parametrize("language", SHIPPED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_shipped_catalogues_are_complete(language, domain):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))

    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert not catalogue.metadata_is_fuzzy
    for entry in catalogue.translated_entries():
        wanted = set(re.findall(r"%\(\w+\)s", entry.msgid))
        for form in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            assert set(re.findall(r"%\(\w+\)s", form)) <= wanted | set(
                re.findall(r"%\(\w+\)s", entry.msgid_plural or "")
            ), entry.msgid


@pytest.mark.slow
def test_the_catalogues_hold_every_marked_string(tmp_path):
    """makemessages over the project finds no string the shipped .po files lack: a string
    added to a template, live.js or the admin without a translation fails here."""
    if shutil.which("xgettext") is None:
        missing("makemessages needs GNU gettext's xgettext (apt-get install gettext)")
    for domain in DOMAINS:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-d",
                domain,
                "--keep-pot",
                "-l",
                "de",
                *[arg for name in MAKEMESSAGES_IGNORE for arg in ("-i", name)],
            ],
            cwd=tmp_project(tmp_path),
            check=True,
            capture_output=True,
        )
        pot = polib.pofile(str(tmp_path / "project" / "locale" / f"{domain}.pot"))
        wanted = {(e.msgctxt, e.msgid) for e in pot}
        for language in SHIPPED:
            shipped = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))
            have = {(e.msgctxt, e.msgid) for e in shipped if not e.obsolete}
            assert sorted(wanted - have, key=str) == [], (language, domain)


MAKEMESSAGES_IGNORE = [
    ".venv",
    "venv",
    "node_modules",
    "tests",
    "staticfiles",
    "media",
    "artifacts",
]


def tmp_project(tmp_path: Path) -> Path:
    """A copy of the checkout's sources (not its virtualenv) where makemessages may write."""
    project = tmp_path / "project"
    if not project.exists():
        project.mkdir()
        for name in ("config", "liveblog", "templates"):
            shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("*.pyc"))
        shutil.copy(ROOT / "manage.py", project / "manage.py")
        (project / "locale").mkdir()
    return project


def test_the_catalogues_compile_without_msgfmt(tmp_path, settings, monkeypatch):
    folder = tmp_path / "locale" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_bytes((LOCALE / "de/LC_MESSAGES/django.po").read_bytes())
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.setattr("shutil.which", lambda name: None)

    call_command("compile_catalogues", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (folder / "django.mo").stat().st_size > 1000


def test_the_reader_stylesheet_uses_logical_properties_only():
    """Physical left/right would stay put on a right-to-left page; logical ones mirror."""
    css = (ROOT / "liveblog" / "static" / "liveblog" / "liveblog.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)

    physical = re.findall(
        r"(?:margin|padding|border)-(?:left|right)\b|(?<![-\w])(?:left|right)\s*:"
        r"|text-align:\s*(?:left|right)|float:\s*(?:left|right)",
        css,
    )
    assert physical == []


# --- search in the blog's language (PostgreSQL) -------------------------------------------------

needs_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="full-text search configurations are PostgreSQL's",
)


def test_rows_take_their_languages_search_configuration():
    blog = make_blog(language="de")
    inherited = make_entry(blog)
    own = make_entry(blog, language="en")

    blog.language = "ar"
    blog.save()

    assert Blog.objects.get(pk=blog.pk).search_config == "arabic"
    inherited.refresh_from_db()
    own.refresh_from_db()
    assert (inherited.search_config, own.search_config) == ("arabic", "english")


@needs_postgres
def test_german_and_arabic_text_is_stemmed_in_its_own_language():
    german = make_blog(slug="wahl", language="de")
    arabic = make_blog(slug="intikhabat", language="ar")
    english = make_blog(slug="election", language="en-gb")
    wahl = make_entry(german, headline="Die Wahlen in Hessen", body="Hohe Beteiligung.")
    intikhab = make_entry(arabic, headline="نتائج الانتخابات البلدية", body="نسبة المشاركة مرتفعة.")
    make_entry(english, headline="Die hard", body="Nothing about Wahl.")

    from liveblog.models import Entry

    assert list(Entry.objects.search("Wahl", language="de")) == [wahl]
    # The Arabic stemmer takes the article off: "بلدية" finds "البلدية" (simple would not).
    assert list(Entry.objects.search("بلدية")) == [intikhab]
    # Across blogs each row is matched in its own language: "-hessen" excludes the German one.
    assert wahl not in Entry.objects.search("wahl -hessen")


@needs_postgres
def test_search_in_one_blogs_language_still_uses_the_index():
    from django.db import connection

    from liveblog.models import Entry

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Entry.objects.search("Wahl", language="de").explain()
    assert "entry_search_idx" in plan, plan


# --- import and export --------------------------------------------------------------------------


def test_a_sidecar_or_document_gives_the_blogs_language(tmp_path):
    import io
    import json

    (tmp_path / "sturm.txt").write_text(
        "Sturm\n\nEin Satz.\n\nErste Meldung\n\nDer Wind frischt auf."
    )
    (tmp_path / "sturm.meta.json").write_text(json.dumps({"language": "de", "slug": "sturm"}))
    (tmp_path / "plain.txt").write_text("Plain\n\nA sentence.\n\nFirst\n\nThe wind rises.")
    call_command("import_seeds", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())
    exported = tmp_path / "sturm.json"
    call_command("export_blog", "sturm", "-o", str(exported), stderr=io.StringIO())

    assert Blog.objects.get(slug="sturm").language == "de"
    assert Blog.objects.get(title="Plain").language == settings.LIVEBLOG_DEFAULT_LANGUAGE
    assert json.loads(exported.read_text())["language"] == "de"


def test_a_sidecar_language_off_the_list_is_refused(tmp_path):
    import io
    import json

    from django.core.management.base import CommandError

    (tmp_path / "x.txt").write_text("X\n\nA sentence.\n\nFirst\n\nText.")
    (tmp_path / "x.meta.json").write_text(json.dumps({"language": "klingon"}))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "x.meta.json: field 'language'" in err.getvalue()


def test_a_translation_that_cannot_be_a_slug_is_refused(api_editor_client):
    make_blog(slug="storm")

    response = api_editor_client.patch(
        "/api/blogs/storm/", {"translations": ["a\x00b"]}, format="json"
    )

    assert response.status_code == 400 and "translations" in response.json()["errors"]
