"""LiveBlogPosting JSON-LD checked against what search engines require of a live blog."""

import datetime as dt
import io
import json
import re

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from liveblog.models import Blog, BlogStatus
from tests.factories import make_blog, make_entry, make_untimed_entry

pytestmark = pytest.mark.django_db


def json_ld(client, url: str) -> dict:
    page = client.get(url).content.decode()
    return json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )


def moment(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, f"{value} has no zone"
    return parsed


def check_live_blog_posting(data: dict, blog: Blog) -> None:
    """The properties Google's live blog rules ask for, and the order of their dates."""
    page_url = f"http://testserver{blog.get_absolute_url()}"
    assert data["@context"] == "https://schema.org" and data["@type"] == "LiveBlogPosting"
    assert data["url"] == page_url and data["headline"] == blog.title
    start = moment(data["coverageStartTime"])
    published, modified = moment(data["datePublished"]), moment(data["dateModified"])
    assert modified >= published
    if blog.status == BlogStatus.CLOSED:
        assert moment(data["coverageEndTime"]) >= start
    else:
        assert "coverageEndTime" not in data
    timed = {e.pk: e for e in blog.entries.filter(published_at__isnull=False)}
    assert data["liveBlogUpdate"], "a blog page lists its updates"
    for update in data["liveBlogUpdate"]:
        assert update["@type"] == "BlogPosting" and update["headline"] and update["articleBody"]
        pk = int(re.fullmatch(re.escape(page_url) + r"#entry-(\d+)", update["url"])[1])
        if pk in timed:
            assert moment(update["datePublished"]) == timed[pk].published_at
            assert moment(update["dateModified"]) >= moment(update["datePublished"])
        else:
            assert "datePublished" not in update  # no invented time


@pytest.fixture
def seeds():
    call_command("import_seeds", verbosity=0, stdout=io.StringIO())
    return {blog.source_format: blog for blog in Blog.objects.all()}


def test_both_seeds_give_valid_live_blog_postings_with_their_own_dates(client, seeds):
    closed, live = seeds["A"], seeds["B"]
    today = timezone.now().date()

    closed_data = json_ld(client, closed.get_absolute_url())
    live_data = json_ld(client, live.get_absolute_url())

    check_live_blog_posting(closed_data, closed)
    check_live_blog_posting(live_data, live)
    # An imported closed blog says when its coverage ended: the end of the day it covered.
    assert closed.closed_at is None
    assert closed_data["coverageStartTime"] == "2022-02-07T00:00:00+02:00"
    assert closed_data["coverageEndTime"] == "2022-02-08T00:00:00+02:00"
    # Untouched imports: their dates are the source's, never the day they were imported.
    assert live_data["datePublished"].startswith("2025-02-12")
    assert live_data["dateModified"].startswith("2025-02-13")
    for data in (closed_data, live_data):
        assert moment(data["dateModified"]).date() != today


def test_a_native_live_blog_covers_from_its_first_entry_and_ends_when_closed(client):
    with time_machine.travel(dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.UTC), tick=False):
        blog = make_blog(title="Budget day", time_zone="Europe/London")
        first = make_entry(blog, headline="Doors open")
    with time_machine.travel(dt.datetime(2024, 6, 1, 9, 30, tzinfo=dt.UTC), tick=False):
        make_entry(blog, headline="Speech begins", is_key_event=True)
        make_untimed_entry(blog, headline="Background", order=1)
        first.headline = "Doors open early"
        first.save()
    blog.refresh_from_db()

    data = json_ld(client, blog.get_absolute_url())

    check_live_blog_posting(data, blog)
    assert moment(data["coverageStartTime"]) == first.published_at
    assert moment(data["dateModified"]) == blog.changed_at
    edited = next(u for u in data["liveBlogUpdate"] if u["headline"] == "Doors open early")
    assert moment(edited["dateModified"]) > moment(edited["datePublished"])

    with time_machine.travel(dt.datetime(2024, 6, 1, 18, 0, tzinfo=dt.UTC), tick=False):
        blog.set_status(BlogStatus.CLOSED)
    closed = json_ld(client, blog.get_absolute_url())
    check_live_blog_posting(closed, blog)
    assert moment(closed["coverageEndTime"]) == dt.datetime(2024, 6, 1, 18, 0, tzinfo=dt.UTC)

    blog.set_status(BlogStatus.LIVE)  # reopened: coverage has no end again
    check_live_blog_posting(json_ld(client, blog.get_absolute_url()), blog)


def test_a_set_start_time_is_the_coverage_start(client):
    starts = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    blog = make_blog(status=BlogStatus.UPCOMING, starts_at=starts)
    make_entry(blog, headline="Preview", published_at=dt.datetime(2024, 12, 31, tzinfo=dt.UTC))

    data = json_ld(client, blog.get_absolute_url())

    check_live_blog_posting(data, blog)
    assert moment(data["coverageStartTime"]) == starts


def test_entry_permalink_is_a_blog_posting_within_the_live_blog(client):
    blog = make_blog()
    entry = make_entry(blog, headline="Result declared")

    data = json_ld(client, entry.get_absolute_url())

    assert data["@type"] == "BlogPosting" and data["headline"] == "Result declared"
    assert data["url"] == f"http://testserver{entry.get_absolute_url()}"
    assert data["isPartOf"]["url"] == f"http://testserver{blog.get_absolute_url()}"
    # JSON carries times to the millisecond (DjangoJSONEncoder).
    published = entry.published_at
    assert moment(data["datePublished"]) == published.replace(
        microsecond=published.microsecond // 1000 * 1000
    )
