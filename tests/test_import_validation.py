"""Hostile values in import files: `file:line: path: reason`, nothing written, the folder goes on.

Every case here once ended in a traceback (PostgreSQL DataError or IntegrityError, SQLite
OverflowError) that also stopped the good files behind it, or was accepted and took pages down.
The values are now checked by the model's own fields before anything is written.
"""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from liveblog.importers.loader import ImportFileError, import_file
from liveblog.models import Blog, Caption, Entry, Image

pytestmark = pytest.mark.django_db

GOOD_TEXT = "Good blog\n\nStandfirst.\n\nA headline\n\nA paragraph.\n\nSource: Agencies"
ENTRY = {"headline": "H", "blocks": [{"type": "paragraph", "text": "A paragraph."}]}
IMAGE = {"type": "image", "alt": "Alt", "caption": "A caption", "credit": "R", "file_photo": False}


def document(**changes) -> dict:
    return {"title": "Hostile", "entries": [ENTRY], **changes}


def entry(**changes) -> dict:
    return {**ENTRY, **changes}


JSON_CASES = {
    "title over 300": (
        document(title="t" * 301),
        "document.title: Ensure this value has at most 300 characters (it has 301).",
    ),
    "credit over 200": (
        document(entries=[entry(blocks=[{**IMAGE, "credit": "c" * 201}])]),
        "document.entries[0].blocks[0].credit: Ensure this value has at most 200 characters",
    ),
    "hero credit over 200": (
        document(hero_image={**IMAGE, "credit": "c" * 201}),
        "document.hero_image.credit: Ensure this value has at most 200 characters",
    ),
    "source over 300": (document(source="s" * 301), "document.source: Ensure this value"),
    "published over 100": (document(published="p" * 101), "document.published: Ensure"),
    "source_url over 200": (
        document(source_url="https://example.com/" + "a" * 200),
        "document.source_url: Ensure this value has at most 200 characters",
    ),
    "key over 64": (
        document(entries=[entry(key="k" * 65)]),
        "document.entries[0].key: Ensure this value has at most 64 characters",
    ),
    "order of 10^20": (
        document(entries=[ENTRY, entry(order=10**20)]),
        "document.entries[1].order: Ensure this value is less than or equal to 2147483647.",
    ),
    "negative order": (document(entries=[entry(order=-1)]), "document.entries[0].order: Ensure"),
    "bogus status": (document(status="bogus"), "document.status: Value 'bogus' is not a valid"),
    "slug with a path": (
        document(slug="has space/../x"),
        "document.slug: Enter a valid “slug”",
    ),
    "slug the site uses": (document(slug="admin"), "document.slug: “admin” is used by the site"),
    "unknown time zone": (
        document(time_zone="Not/AZone"),
        "document.time_zone: 'Not/AZone' is not an IANA time zone name",
    ),
    "entry in the year 1": (
        document(entries=[entry(published_at="0001-01-01T00:00:00Z")]),
        "document.entries[0].published_at: Give a date between the years 1900 and 9000.",
    ),
    "start in the year 9999": (
        document(starts_at="9999-12-31T20:00:00Z"),
        "document.starts_at: Give a date between the years 1900 and 9000.",
    ),
    "coverage date in the year 1": (
        document(coverage_date="0001-01-01"),
        "document.coverage_date: Give a date between the years 1900 and 9000.",
    ),
    "time without offset": (
        document(entries=[entry(published_at="2025-02-07T10:00:00")]),
        "document.entries[0].published_at: give the time with its UTC offset",
    ),
    "NUL in a headline": (
        document(entries=[entry(headline="Head\x00line")]),
        "document.entries[0].headline: contains a NUL character",
    ),
    "lone surrogate": (
        document(standfirst="\ud800"),
        "document.standfirst: contains a lone surrogate",
    ),
    "two entries with one key": (
        document(entries=[entry(key="same"), entry(key="same", headline="Other")]),
        "document.entries[1].key: “same” is the key of entries[0] too",
    ),
    "a list as a block type": (
        document(entries=[entry(blocks=[{"type": [], "text": "x"}])]),
        "document.entries[0].blocks[0].type: must be one of paragraph",
    ),
    "true as an order": (
        document(entries=[entry(order=True)]),
        "document.entries[0].order: must be a whole number",
    ),
    "image key over 64": (
        document(entries=[entry(blocks=[IMAGE], image_keys=["i" * 65])]),
        "document.entries[0].image_keys[0]: Ensure this value has at most 64 characters",
    ),
    "picture file outside the media": (
        document(
            hero_image=IMAGE,
            hero_image_key="k",
            images=[
                {
                    "key": "k",
                    "alt": "Alt",
                    "credit": "R",
                    "file_photo": False,
                    "source_url": None,
                    "file": "../../etc/passwd",
                    "sha256": "0" * 64,
                }
            ],
        ),
        "document.images[0].file: not a relative file name inside the media",
    ),
    "picture record without its file key": (
        document(
            hero_image=IMAGE,
            images=[
                {
                    "key": "k",
                    "alt": "A",
                    "credit": "R",
                    "file_photo": False,
                    "source_url": None,
                    "sha256": None,
                }
            ],
        ),
        "document.images[0].file: missing (every key is given, null if none)",
    ),
    "correction in the year 1": (
        document(
            entries=[
                entry(
                    corrections=[{"text": "c", "author": None, "created_at": "0001-01-01T00:00Z"}]
                )
            ]
        ),
        "document.entries[0].corrections[0].created_at: Give a date between the years 1900",
    ),
}


def run_folder(folder) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 files failed"):
        call_command("import_seeds", str(folder), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_a_bad_value_in_json_is_reported_at_its_path_and_the_next_file_imports(tmp_path, case):
    doc, message = JSON_CASES[case]
    bad = tmp_path / "a_hostile.json"
    bad.write_text(json.dumps(doc))
    (tmp_path / "z_good.txt").write_text(GOOD_TEXT)

    _, err = run_folder(tmp_path)

    assert f"{bad}: {message}" in err
    assert "Traceback" not in err
    # The bad file wrote nothing; the good one behind it is in.
    assert list(Blog.objects.values_list("title", flat=True)) == ["Good blog"]
    assert Entry.objects.count() == 1 and not Image.objects.exists()


def test_a_bad_blog_in_a_list_keeps_the_whole_file_out(tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps([document(title="Fine"), document(status="bogus")]))
    with pytest.raises(CommandError):
        call_command("import_seeds", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Blog.objects.exists()


A_PAGE = (
    "Title\n\nStandfirst.\n\nHeadline one\n\nA paragraph.\n\nAlt text\nCaption [Reuters]\n\n"
    "Source: Agencies"
)
TEXT_CASES = {
    "title over 300": (
        A_PAGE.replace("Title", "T" * 301),
        ":1: title: Ensure this value has at most 300 characters (it has 301).",
    ),
    "credit over 200": (
        A_PAGE.replace("[Reuters]", "[" + "R" * 201 + "]"),
        ":9: entries[0].blocks[1].credit: Ensure this value has at most 200 characters",
    ),
    "source over 300": (
        A_PAGE.replace("Agencies", "S" * 301),
        ":12: source: Ensure this value has at most 300 characters",
    ),
    "B published over 100": (
        " date 2025-02-01 A titlePublished "
        + "February 1, 2025 " * 7
        + "last updated February 1, 2025\nHeadline\nA paragraph.",
        ":1: published: Ensure this value has at most 100 characters",
    ),
}


@pytest.mark.parametrize("case", sorted(TEXT_CASES))
def test_a_bad_value_in_a_text_file_is_reported_at_its_line(tmp_path, case):
    text, message = TEXT_CASES[case]
    bad = tmp_path / "a_hostile.txt"
    bad.write_text(text)
    (tmp_path / "z_good.txt").write_text(GOOD_TEXT)

    _, err = run_folder(tmp_path)

    assert f"{bad}{message}" in err
    assert list(Blog.objects.values_list("title", flat=True)) == ["Good blog"]


@pytest.mark.parametrize(
    ("sidecar", "message"),
    [
        (
            {"source_url": "https://example.com/" + "a" * 200},
            "field 'source_url': Ensure this value has at most 200 characters",
        ),
        ({"slug": "admin"}, "field 'slug': “admin” is used by the site itself"),
        ({"slug": "a/b"}, "field 'slug': Enter a valid “slug”"),
        ({"status": "bogus"}, "field 'status': Value 'bogus' is not a valid choice."),
        ({"time_zone": "Not/AZone"}, "field 'time_zone': 'Not/AZone' is not an IANA"),
        ({"date": "0001-01-01"}, "field 'date': Give a date between the years 1900 and 9000."),
        ({"date": 7}, "field 'date': must be a string"),
    ],
)
def test_a_bad_sidecar_value_is_refused_by_the_blog_field(tmp_path, sidecar, message):
    (tmp_path / "a_blog.txt").write_text(GOOD_TEXT.replace("Good blog", "Side blog"))
    (tmp_path / "a_blog.meta.json").write_text(json.dumps(sidecar))
    (tmp_path / "z_good.txt").write_text(GOOD_TEXT)

    _, err = run_folder(tmp_path)

    assert f"{tmp_path / 'a_blog.meta.json'}: {message}" in err
    assert list(Blog.objects.values_list("title", flat=True)) == ["Good blog"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[" * 100_000, "not a document: the JSON nests too deeply"),
        (b'{"title": "T", "entries": [], "order": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b"[]", ":1: the JSON list holds no blogs"),
        (b'"just a string"', "document: expected a JSON object for a blog"),
    ],
)
def test_json_that_is_no_document_is_one_line_of_error(tmp_path, data, message):
    (tmp_path / "a_bad.json").write_bytes(data)
    (tmp_path / "z_good.txt").write_text(GOOD_TEXT)
    _, err = run_folder(tmp_path)
    assert f"{tmp_path / 'a_bad.json'}" in err and message in err
    assert Blog.objects.count() == 1


def test_a_defect_in_one_file_is_reported_and_the_folder_goes_on(tmp_path, monkeypatch):
    """Not bad input but a bug: still `file: reason`, and the files behind it still import."""
    from liveblog.importers import loader

    real = loader.load_document

    def flaky(document, **kwargs):
        if document["title"] == "Broken":
            raise KeyError("a defect")
        return real(document, **kwargs)

    monkeypatch.setattr(loader, "load_document", flaky)
    (tmp_path / "a_broken.txt").write_text(GOOD_TEXT.replace("Good blog", "Broken"))
    (tmp_path / "z_good.txt").write_text(GOOD_TEXT)

    _, err = run_folder(tmp_path)

    assert f"{tmp_path / 'a_broken.txt'}: could not be imported (KeyError: 'a defect')" in err
    assert list(Blog.objects.values_list("title", flat=True)) == ["Good blog"]


def test_the_site_still_answers_after_hostile_documents(client, tmp_path):
    """Each of these was once accepted and answered 500 on the index, API, sitemap or admin."""
    for name, doc in [
        ("slug", document(slug="has space/../x")),
        ("zone", document(time_zone="Not/AZone")),
        ("early", document(entries=[entry(published_at="0001-01-01T00:00:00Z")])),
        ("late", document(starts_at="9999-12-31T20:00:00Z", time_zone="Asia/Tokyo")),
    ]:
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    (tmp_path / "z_good.txt").write_text(GOOD_TEXT)
    with pytest.raises(CommandError, match="4 of 5 files failed"):
        call_command("import_seeds", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())
    for url in ["/", "/api/blogs/", "/sitemap.xml"]:
        assert client.get(url).status_code == 200, url


def test_a_json_document_cannot_take_the_slug_of_another_files_blog(tmp_path):
    (tmp_path / "seed.txt").write_text(GOOD_TEXT)
    import_file(tmp_path / "seed.txt")
    other = tmp_path / "other.json"
    other.write_text(json.dumps(document(slug="good-blog", source_name="elsewhere")))
    with pytest.raises(ImportFileError, match="“good-blog” is the address of the blog imported"):
        import_file(other)
    assert Blog.objects.get().title == "Good blog"


def test_caption_only_pictures_with_one_credit_stay_apart(tmp_path):
    """Every caption-only picture has alt "": keyed on alt and credit alone, all of them with the
    same credit became one Image, across blogs."""
    text = (
        "Title\n\nStandfirst.\n\nFirst\n\nOne.\n\nSandbags on the bridge [Reuters]\n\n"
        "Second\n\nTwo.\n\nA crowd at the station [Reuters]\n\nSource: Agencies"
    )
    (tmp_path / "pics.txt").write_text(text)
    import_file(tmp_path / "pics.txt")
    assert Image.objects.count() == 2
    assert sorted(Caption.objects.values_list("text", flat=True)) == [
        "A crowd at the station",
        "Sandbags on the bridge",
    ]
