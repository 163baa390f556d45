"""Every page type passes the Nu Html Checker (vnu, npm `vnu-jar`, on Debian's Java) with no
error: the public pages (index, blog, live blog, permalink, search, 404, embed, teaser), the
fragments the live script and the desk insert, and the project's admin and desk pages.

All documents go to one JVM run (vnu starts in about two seconds and then checks a page in a
few milliseconds). Entries are posted through the desk and the API as well as the models'
verbs, so times carry microseconds as they do in production.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from liveblog import stream
from liveblog.models import Caption, Entry, Image
from tests import showcase
from tests.conftest import ROOT
from tests.needs import missing

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_messages(documents: dict[str, str], folder: Path) -> dict[str, list[str]]:
    """{page name: ["line N: message (extract)", ...]} for every error vnu finds."""
    if shutil.which("java") is None:
        missing("HTML validity test: Java is not installed (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        missing(f"HTML validity test: vnu.jar is not at {VNU_JAR} (run `npm ci`)")
    paths = {}
    for name, html in documents.items():
        path = folder / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".html")
        path.write_text(html, encoding="utf-8")
        paths[path.name] = name
    result = subprocess.run(
        ["java", "-Xss4m", "-jar", str(VNU_JAR), "--format", "json", "--stdout",
         "--exit-zero-always", *(str(folder / name) for name in paths)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    errors: dict[str, list[str]] = {name: [] for name in documents}
    for message in json.loads(result.stdout)["messages"]:
        if message["type"] == "error" or message.get("subType") == "fatal":
            url = message.get("url", "?")
            name = paths.get(url.rsplit("/", 1)[-1], url)
            extract = " ".join(message.get("extract", "").split())[:120]
            errors.setdefault(name, []).append(
                f"line {message.get('lastLine', '?')}: {message['message']} [{extract}]"
            )
    return errors


def document(fragment: str, title: str = "Fragment") -> str:
    """An HTML fragment (what the live script or the desk inserts) inside a minimal page."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><main>{fragment}</main></body></html>"
    )


def html(response) -> str:
    assert response.status_code in (200, 404), (response.status_code, response.get("Location"))
    return response.content.decode()


@pytest.fixture
def site(settings, media_root, django_capture_on_commit_callbacks):
    settings.LIVEBLOG_PAGE_SIZE = 4  # so that blogs have an older page
    return showcase.build()


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("chief", password="chief-pass-1234")


def post_through_the_desk_and_the_api(client, api_client, blog, editor):
    """One entry published from the desk (with a photo), one created and published by API."""
    client.force_login(editor)
    response = client.post(
        reverse("admin:liveblog_blog_desk_post", args=[blog.pk]),
        {
            "action": "publish",
            "headline": "Trees down across the A27",
            "body": "Police ask drivers to stay at home.\n\nThe road is closed both ways.",
            "photo": showcase.photo(width=1200, height=800),
            "alt_text": "A fallen oak across a dual carriageway",
            "caption": "The A27 near Lewes",
            "credit": "Sussex Police",
        },
    )
    assert response.status_code == 201, response.content
    client.logout()
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=editor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.post(
        f"/api/blogs/{blog.slug}/entries/",
        {"headline": "Power cuts", "body": "Engineers are out.", "status": "published"},
        format="json",
    )
    assert response.status_code == 201, response.content
    api_client.credentials()


def public_documents(client, site) -> dict[str, str]:
    live, photo_entry = site.live, site.photo_entry
    first_page = html(client.get(live.get_absolute_url()))
    older = re.search(r'class="older__link button" rel="next" href="([^"]+)"', first_page)
    fragment_url = re.search(r'data-fragment="([^"]+)"', first_page)
    assert older and fragment_url, "the live blog should have an older page"
    seed = site.live.__class__.objects.filter(imported_at__isnull=False).order_by("pk")
    documents = {
        "index": html(client.get("/")),
        "live blog": first_page,
        "live blog, older page": html(client.get(older.group(1).replace("&amp;", "&"))),
        "live blog, key events, oldest first": html(
            client.get(live.get_absolute_url() + stream.Listing(True, True).query())
        ),
        "closed blog": html(client.get(site.closed.get_absolute_url())),
        "upcoming blog": html(client.get(site.upcoming.get_absolute_url())),
        "Arabic blog": html(client.get(site.arabic.get_absolute_url())),
        "permalink with a photo": html(client.get(photo_entry.get_absolute_url())),
        "permalink with a correction": html(client.get(site.plain_entry.get_absolute_url())),
        "search": html(client.get("/search/?q=storm")),
        "search in a blog": html(client.get(f"/search/?blog={live.slug}&q=wall")),
        "search, nothing asked": html(client.get("/search/")),
        "404": html(client.get("/no-such-blog/")),
        "embed": html(client.get(f"/{live.slug}/embed/")),
        "teaser (entry embed)": html(client.get(f"/{live.slug}/entries/{photo_entry.pk}/embed/")),
        "API docs": html(client.get("/api/docs/")),
        "older entries fragment": document(
            html(client.get(fragment_url.group(1).replace("&amp;", "&")))
        ),
    }
    for blog in seed:
        documents[f"seed {blog.slug}"] = html(client.get(blog.get_absolute_url()))
        entry = Entry.objects.published().filter(blog=blog).first()
        documents[f"seed {blog.slug} permalink"] = html(client.get(entry.get_absolute_url()))
    changes = client.get(f"/{live.slug}/live/changes/?since=0").json()
    pieces = [item["html"] for item in changes["entries"]]
    pieces += [changes["key_events_html"], changes["badge_html"], changes["status_html"]]
    documents["live changes"] = document("\n".join(pieces))
    oembed = client.get(f"/oembed/?url=http://testserver/{live.slug}/&format=json").json()
    documents["oEmbed code"] = document(oembed["html"])
    return documents


def admin_documents(client, site) -> dict[str, str]:
    live, entry = site.live, site.photo_entry
    image = Image.objects.filter(file__gt="").first()
    documents = {"admin login": html(client.get(reverse("admin:login")))}
    client.force_login(get_user_model().objects.get(username="chief"))
    pages = {
        "admin index": reverse("admin:index"),
        "admin blogs": reverse("admin:liveblog_blog_changelist"),
        "admin blog page": reverse("admin:liveblog_blog_change", args=[live.pk]),
        "admin blog add": reverse("admin:liveblog_blog_add"),
        "admin entries": reverse("admin:liveblog_entry_changelist"),
        "admin entries of a blog": reverse("admin:liveblog_entry_changelist")
        + f"?blog__id__exact={live.pk}",
        "admin entries needing attention": reverse("admin:liveblog_entry_changelist")
        + "?attention=any",
        "admin entry form": reverse("admin:liveblog_entry_change", args=[entry.pk]),
        "admin entry add": reverse("admin:liveblog_entry_add") + f"?blog={live.pk}",
        "admin entry history": reverse("admin:liveblog_entry_history", args=[entry.pk]),
        "admin images": reverse("admin:liveblog_image_changelist"),
        "admin image form": reverse("admin:liveblog_image_change", args=[image.pk]),
        "admin image add": reverse("admin:liveblog_image_add"),
        "admin captions": reverse("admin:liveblog_caption_changelist"),
        "admin caption form": reverse(
            "admin:liveblog_caption_change", args=[Caption.objects.first().pk]
        ),
        "desk": reverse("admin:liveblog_blog_desk", args=[live.pk]),
    }
    for name, url in pages.items():
        documents[name] = html(client.get(url))
    documents["desk stream"] = document(
        html(client.get(reverse("admin:liveblog_blog_desk_stream", args=[live.pk])))
    )
    preview = client.post(
        reverse("admin:liveblog_blog_desk_preview", args=[live.pk]),
        {"headline": "Preview", "body": "A *draft* with [a link](https://example.com/).\n\n- one"},
    )
    assert preview.status_code == 200
    documents["desk preview"] = document(
        preview.json()["html"] if preview["Content-Type"].startswith("application/json")
        else preview.content.decode()
    )  # fmt: skip
    blocks = client.post(
        reverse("admin:liveblog_entry_preview"), {"body": "> Quote\n> — Someone\n\nText."}
    )
    documents["entry form preview"] = document(html(blocks))
    return documents


def test_every_page_type_is_valid_html(client, api_client, site, superuser, tmp_path):
    post_through_the_desk_and_the_api(client, api_client, site.live, site.editor)
    documents = public_documents(client, site) | admin_documents(client, site)

    errors = vnu_messages(documents, tmp_path)

    found = {name: messages for name, messages in errors.items() if messages}
    summary = "\n".join(
        f"{name} ({len(messages)}):\n  " + "\n  ".join(messages[:8])
        for name, messages in found.items()
    )
    assert found == {}, f"vnu found errors on {len(found)} of {len(documents)} pages:\n{summary}"


def test_the_checker_does_report_errors(tmp_path):
    """The harness itself: a page with a known error is reported, so a pass means something."""
    bad = '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>'
    bad += '<time datetime="2025-02-13T10:00:00.123456+00:00">then</time></body></html>'
    good = document("<p>Fine.</p>")

    errors = vnu_messages({"bad": bad, "good": good}, tmp_path)

    assert errors["good"] == []
    assert any("datetime" in message for message in errors["bad"]), errors
