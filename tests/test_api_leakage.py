"""Drafts never reach anonymous callers, whatever endpoint and filters they combine."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveblog.models import BlogStatus, EntryStatus
from tests.factories import make_blog, make_caption, make_entry, make_image

pytestmark = pytest.mark.django_db

SECRET = "SECRET"


@pytest.fixture
def mixed_content():
    """Public and unpublished content side by side; everything unpublished says SECRET."""
    public = make_blog(slug="public", title="Public blog", coverage_date=dt.date(2024, 5, 1))
    closed = make_blog(slug="closed", status=BlogStatus.CLOSED)
    hidden = make_blog(slug="hidden", title=f"{SECRET} blog", status=BlogStatus.DRAFT)
    make_caption(
        blog=hidden, text=f"{SECRET} hero", image=make_image(alt_text=f"{SECRET} hero pic")
    )
    make_caption(blog=public, text="Public hero", image=make_image(alt_text="Hero pic"))
    shown = make_entry(public, headline="Shown", is_key_event=True, is_pinned=True)
    make_caption(entry=shown, text="Shown caption", image=make_image(alt_text="Shown pic"))
    make_entry(closed, headline="Closed but shown")
    secrets = [
        make_entry(public, headline=f"{SECRET} draft", body=f"{SECRET} body", is_key_event=True),
        make_entry(
            public,
            headline=f"{SECRET} scheduled",
            published_at=timezone.now() + dt.timedelta(days=1),
        ),
        make_entry(hidden, headline=f"{SECRET} in a draft blog"),
    ]
    secrets[0].status = EntryStatus.DRAFT
    secrets[0].save()
    for entry in secrets:
        make_caption(
            entry=entry, text=f"{SECRET} caption", image=make_image(alt_text=f"{SECRET} pic")
        )
    return secrets


booleans = st.sampled_from(["true", "false"])
slugs = st.sampled_from(["public", "closed", "hidden", "nowhere"])
# Searches use lower case so echoing the query in `next` links is not mistaken for a leak.
words = st.sampled_from(["secret", "secret body", "shown", "pic", "blog", "caption", "body", ""])
BLOG_PARAMS = {
    "status": st.sampled_from(["draft", "live", "closed", "upcoming"]),
    "q": words,
    "ordering": st.sampled_from(["title", "-changed_at", "coverage_date", "-created_at"]),
    "coverage_date_after": st.sampled_from(["2020-01-01", "2024-05-01"]),
    "coverage_date_before": st.sampled_from(["2030-01-01", "2024-05-01"]),
    "page_size": st.integers(1, 100).map(str),
}
ENTRY_PARAMS = {
    "key_event": booleans,
    "pinned": booleans,
    "q": words,
    "since": st.integers(0, 3).map(str),
    "page_size": st.integers(1, 100).map(str),
}
IMAGE_PARAMS = {
    "credit": st.sampled_from(["Reuters", "reuters", "AP"]),
    "file_photo": booleans,
    "has_file": booleans,
    "blog": slugs,
    "q": words,
    "page_size": st.integers(1, 100).map(str),
}
CAPTION_PARAMS = {"blog": slugs, "hero": booleans, "page_size": st.integers(1, 100).map(str)}


def query(params: dict) -> st.SearchStrategy[str]:
    return st.fixed_dictionaries({}, optional=params).map(lambda chosen: urlencode(chosen))


def requests() -> st.SearchStrategy[str]:
    ids = st.integers(1, 40)
    return st.one_of(
        query(BLOG_PARAMS).map(lambda q: f"/api/blogs/?{q}"),
        slugs.map(lambda slug: f"/api/blogs/{slug}/"),
        st.tuples(slugs, query(ENTRY_PARAMS)).map(lambda t: f"/api/blogs/{t[0]}/entries/?{t[1]}"),
        ids.map(lambda pk: f"/api/entries/{pk}/"),
        query(IMAGE_PARAMS).map(lambda q: f"/api/images/?{q}"),
        ids.map(lambda pk: f"/api/images/{pk}/"),
        query(CAPTION_PARAMS).map(lambda q: f"/api/captions/?{q}"),
        ids.map(lambda pk: f"/api/captions/{pk}/"),
    )


def test_no_endpoint_or_filter_combination_leaks_drafts(api_client, mixed_content):
    seen_public = set()

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(url=requests())
    def check(url):
        response = api_client.get(url)
        assert response.status_code in {200, 400, 404}, (url, response.status_code)
        assert SECRET.encode() not in response.content, url
        if response.status_code == 200:
            seen_public.add(url.split("?")[0])

    check()
    # The run did reach real content, not only 404s.
    assert "/api/blogs/public/" in seen_public
    assert "/api/blogs/public/entries/" in seen_public


def test_editors_do_see_the_secrets(api_editor_client, mixed_content):
    entries = api_editor_client.get("/api/blogs/public/entries/").json()["results"]
    assert sum(SECRET in entry["headline"] for entry in entries) == 2
    assert api_editor_client.get("/api/blogs/hidden/").status_code == 200
