"""LiveBlogPosting JSON-LD checked against what search engines require of a live blog."""

import dataclasses
import datetime as dt
import functools
import html as html_lib
import io
import json
import re

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import timezone

from liveblog.models import Blog, BlogStatus, Entry
from tests import showcase
from tests.conftest import ROOT
from tests.factories import make_blog, make_entry, make_untimed_entry
from tests.needs import missing

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


def to_the_millisecond(moment: dt.datetime) -> dt.datetime:
    """As JSON-LD writes times (DjangoJSONEncoder)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


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
            assert moment(update["datePublished"]) == to_the_millisecond(timed[pk].published_at)
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


# --- the schema.org vocabulary ----------------------------------------------------------------

SCHEMA_DTS = ROOT / "node_modules" / "schema-dts" / "dist" / "schema.d.ts"
TEXT_TYPES = {"Text", "URL", "Date", "DateTime", "Time"}
NUMBER_TYPES = {"Number", "Integer", "Float"}


@dataclasses.dataclass
class Vocabulary:
    """schema.org's types and properties, as npm `schema-dts` (typings generated from the
    schema.org release) declares them: what a type may carry and what each property takes."""

    parents: dict[str, list[str]]  # "XBase" -> the bases it extends
    properties: dict[str, dict[str, set[str]]]  # "XBase" -> {property: the types it takes}
    base_of: dict[str, str]  # type name -> its "XBase"
    members: dict[str, set[str]]  # type name -> its own leaf and its subtypes' names

    @classmethod
    @functools.cache
    def load(cls) -> "Vocabulary":
        if not SCHEMA_DTS.exists():
            missing(f"schema.org vocabulary check: {SCHEMA_DTS} is missing (run `npm ci`)")
        text = SCHEMA_DTS.read_text(encoding="utf-8")
        parents, properties = {}, {}
        for match in re.finditer(r"^interface (\w+) extends ([^{]+)\{(.*?)^\}", text, re.M | re.S):
            name, extends, body = match.groups()
            parents[name] = [re.sub(r"<.*", "", part).strip() for part in extends.split(",")]
            properties[name] = {
                prop: {kind.strip() for kind in kinds.split("|")}
                for prop, kinds in re.findall(
                    r'^\s+"([\w@-]+)"\?: SchemaValue<(.+?), "', body, re.M
                )
            }
        base_of = {
            kind: base
            for base, kind in re.findall(
                r'^export interface \w+Leaf extends (\w+) \{\s*"@type": "(\w+)";', text, re.M
            )
        }
        members = {
            name: {part.strip().removesuffix("Leaf") for part in union.split("|")}
            for name, union in re.findall(r"^export type (\w+) = ([^;<{]+);$", text, re.M)
        }
        return cls(parents, properties, base_of, members)

    def accepts(self, kinds: set[str], kind: str) -> bool:
        """Whether a value of schema.org type `kind` may stand where `kinds` are expected."""
        seen, todo = set(), list(kinds)
        while todo:
            name = todo.pop()
            if name == kind:
                return True
            if name not in seen:
                seen.add(name)
                todo += [member for member in self.members.get(name, ()) if member != name]
        return False

    def property_kinds(self, kind: str, prop: str) -> set[str] | None:
        todo = [self.base_of[kind]]
        while todo:
            base = todo.pop()
            if prop in self.properties.get(base, {}):
                return self.properties[base][prop]
            todo += self.parents.get(base, [])
        return None

    def problems(self, node, path: str = "$") -> list[str]:
        """What in this JSON-LD node is not schema.org: unknown types, properties a type does
        not have, values of a kind a property does not take."""
        if isinstance(node, list):
            return [p for n, item in enumerate(node) for p in self.problems(item, f"{path}[{n}]")]
        kind = node.get("@type")
        if kind not in self.base_of:
            return [f"{path}: unknown type {kind!r}"]
        found = []
        for prop, value in node.items():
            if prop in ("@context", "@type", "@id"):
                continue
            kinds = self.property_kinds(kind, prop)
            if kinds is None:
                found.append(f"{path}.{prop}: {kind} has no such property")
                continue
            for n, item in enumerate(value if isinstance(value, list) else [value]):
                where = f"{path}.{prop}" + (f"[{n}]" if isinstance(value, list) else "")
                if isinstance(item, dict):
                    if not self.accepts(kinds, item.get("@type")):
                        found.append(f"{where}: {item.get('@type')} is not one of {kinds}")
                    found += self.problems(item, where)
                elif (
                    isinstance(item, str)
                    and not kinds & TEXT_TYPES
                    and not any(self.accepts(kinds, text) for text in TEXT_TYPES)
                ):
                    found.append(f"{where}: text where {kinds} are expected")
                elif isinstance(item, int | float) and not kinds & NUMBER_TYPES:
                    found.append(f"{where}: a number where {kinds} are expected")
        return found


def test_the_vocabulary_check_finds_what_is_not_schema_org():
    vocabulary = Vocabulary.load()
    good = {
        "@type": "LiveBlogPosting",
        "headline": "x",
        "liveBlogUpdate": [{"@type": "BlogPosting"}],
    }
    assert vocabulary.problems(good) == []
    assert vocabulary.problems({"@type": "LiveBlogPost"}) == ["$: unknown type 'LiveBlogPost'"]
    assert vocabulary.problems({"@type": "BlogPosting", "coverageStartTime": "2025"}) == [
        "$.coverageStartTime: BlogPosting has no such property"
    ]
    wrong_kind = {"@type": "LiveBlogPosting", "liveBlogUpdate": {"@type": "Person"}}
    assert vocabulary.problems(wrong_kind)[0].startswith("$.liveBlogUpdate: Person is not one of")


def meta(page: str, key: str) -> str | None:
    """The content of <meta property|name=key>, or None."""
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', page)
    return html_lib.unescape(found[1]) if found else None


def test_a_live_blog_with_photos_gives_complete_structured_data_and_cards(
    client, settings, media_root
):
    settings.LIVEBLOG_PAGE_SIZE = 2  # so that key events are off the page
    site = showcase.build(seeds=False)
    blog = site.live
    page = client.get(blog.get_absolute_url()).content.decode()
    data = json_ld(client, blog.get_absolute_url())

    assert Vocabulary.load().problems(data) == []
    check_live_blog_posting(data, blog)
    assert data["author"] == {"@type": "Organization", "name": "Newsroom staff and agencies"}
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"] == settings.LIVEBLOG_PUBLISHER_NAME
    logo = data["publisher"]["logo"]["url"]
    assert logo == "http://testserver/static/" + settings.LIVEBLOG_PUBLISHER_LOGO
    assert finders.find(settings.LIVEBLOG_PUBLISHER_LOGO)  # shipped with the static files
    assert data["image"]["@type"] == "ImageObject" and data["image"]["width"]["value"] >= 1200
    assert data["image"]["url"].startswith("http://testserver/media/renditions/")

    updates = {int(u["url"].rsplit("-", 1)[1]): u for u in data["liveBlogUpdate"]}
    key_events = set(blog.entries.filter(is_key_event=True).values_list("pk", flat=True))
    latest = {int(pk) for pk in re.findall(r'<article class="entry[^"]*" id="entry-(\d+)"', page)}
    # Bounded: the page's updates and every key event, nothing else.
    assert set(updates) == latest | key_events and len(updates) < blog.entries.count()
    for pk, item in updates.items():
        entry = Entry.objects.get(pk=pk)
        assert item["headline"] == entry.headline and item["articleBody"]
        assert item["url"] == f"http://testserver{blog.get_absolute_url()}#entry-{pk}"
        assert moment(item["datePublished"]) == to_the_millisecond(entry.published_at)
        assert moment(item["dateModified"]) >= moment(item["datePublished"])
        assert item["author"] == [
            {"@type": "Person", "name": a.get_full_name()} for a in entry.authors.all()
        ]
        assert ("image" in item) == entry.captions.exists()
    photo = updates[site.photo_entry.pk]["image"]
    assert photo["url"].startswith("http://testserver/media/renditions/")
    assert photo["description"] == "Sea water flowing over the harbour wall"

    # Cards: Open Graph and Twitter, and the robots directive Discover needs for big previews.
    assert meta(page, "robots") == "max-image-preview:large"
    assert meta(page, "description") == blog.standfirst
    assert meta(page, "og:image").startswith("http://testserver/media/renditions/")
    assert meta(page, "og:image:alt") == meta(page, "twitter:image:alt") != ""
    assert moment(meta(page, "article:published_time")) == moment(data["datePublished"]).replace(
        microsecond=0
    )
    assert moment(meta(page, "article:modified_time")) == moment(data["dateModified"]).replace(
        microsecond=0
    )

    permalink = client.get(site.photo_entry.get_absolute_url()).content.decode()
    posting = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', permalink, re.S)[1]
    )
    assert Vocabulary.load().problems(posting) == []
    assert posting["image"]["description"] == "Sea water flowing over the harbour wall"
    assert meta(permalink, "twitter:image:alt") == "Sea water flowing over the harbour wall"
    assert meta(permalink, "article:published_time") and meta(permalink, "article:modified_time")


def test_every_seed_page_has_a_description(client, seeds):
    for blog in seeds.values():
        page = client.get(blog.get_absolute_url()).content.decode()
        assert meta(page, "description"), blog.slug
        assert Vocabulary.load().problems(json_ld(client, blog.get_absolute_url())) == []
