"""Fuzzing the importer: mutated seeds, sidecars, JSON documents and bundles, on the database.

Every outcome is a clean import or one `file[:line]: reason` (an ImportFileError, never another
exception) that wrote nothing; an imported blog's pages still answer. Runs on SQLite and, in CI's
second pass, on PostgreSQL, whose stricter types (lengths, integer ranges, NUL bytes) are what
turned bad values into tracebacks. Bounded: LIVEBLOG_FUZZ_EXAMPLES examples per kind (default
40), derandomized so CI tries the same inputs each run (LIVEBLOG_FUZZ_RANDOM=1 explores new
ones), each under a deadline.
"""

import copy
import datetime
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveblog.importers.bundle import BACKUP_NAME, MEDIA_PREFIX, file_sha256
from liveblog.importers.loader import ImportFileError, import_file
from liveblog.importers.reader import read_bytes
from liveblog.models import Blog, Caption, Change, Correction, Entry, Image

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
CORPUS = sorted((ROOT / "tests" / "corpus").glob("*.txt"))
TEXTS = [path for path in [*SEEDS, *CORPUS] if ".warnings" not in path.name]
EXAMPLES = int(os.environ.get("LIVEBLOG_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=datetime.timedelta(seconds=10),  # generous on a loaded machine; a hang is not
    derandomize=not os.environ.get("LIVEBLOG_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Values the database or the pages once choked on, and their neighbours.
HOSTILE = [
    "", " ", "x" * 65, "x" * 101, "x" * 201, "x" * 301, "y" * 5000, "\x00", "a\x00b", "\ud800",
    "has space/../x", "admin", "api", "../../etc/passwd", "/abs/path.png", "Not/AZone", "UTC",
    "bogus", "draft", "closed", "published", "0001-01-01T00:00:00Z", "9999-12-31T20:00:00Z",
    "2025-02-30", "2025-01-01T00:00:00", "2025-02-07T10:00:00+14:00", "0001-01-01", "9999-12-31",
    "1899-12-31", "not a date", "https://example.com/" + "a" * 200, "javascript:alert(1)",
    "[Read more here.]()", "- a list?", "\\", "image-1", "entry-1", "0" * 64,
    10**20, -(10**20), 2**31, 2**31 - 1, 2**63, -1, 0, 1.5, True, False, None, [], {}, [None],
    [""], ["x" * 301], {"type": "image"}, {"type": "paragraph", "text": "\x00"},
]  # fmt: skip
hostile_values = st.sampled_from(HOSTILE) | st.text(max_size=40) | st.integers() | st.none()


def counts() -> tuple:
    return tuple(
        model.objects.count()
        for model in (Blog, Entry, Image, Caption, Correction, Change, Entry.authors.through)
    )


def check_outcome(path: Path, client: Client) -> str:
    """Import the file; it either imports (its pages answer) or fails cleanly having written
    nothing. Runs in a transaction rolled back afterwards, so examples do not see each other."""
    with transaction.atomic():
        before = counts()
        try:
            result = import_file(path)
        except ImportFileError as error:
            text = str(error)
            location = re.escape(str(path.with_suffix(""))) + r"(\.txt|\.json|\.zip|\.meta\.json)"
            assert re.match(location + r"(:\d+)?: \S", text), text
            assert "Traceback" not in text
            assert counts() == before, "a refused file left rows behind"
            outcome = "refused"
        else:
            cache.clear()
            for slug in result.blogs:
                blog = Blog.objects.get(slug=slug) if result.skipped is False else None
                if blog is None:
                    continue
                for url in [blog.get_absolute_url(), f"/api/blogs/{blog.slug}/"]:
                    status = client.get(url).status_code
                    assert status in (200, 404), (url, status)  # 404: a draft blog
            for url in ["/", "/api/blogs/", "/sitemap.xml", "/admin/liveblog/blog/"]:
                assert client.get(url).status_code == 200, url
            outcome = "imported"
        transaction.set_rollback(True)
    return outcome


@pytest.fixture
def site(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)  # the admin's blog list is one of the pages checked
    return client


# --- text seeds ---------------------------------------------------------------------------

LINE_PIECES = [
    "", "Source: " + "S" * 301, "Caption [" + "R" * 201 + "]", "T" * 301, "Alt\nCaption [AP]",
    " date 2025-02-12 TPublished " + "February 1, 2025 " * 7 + "last updated x",
    "• a point", "- ", "INTERACTIVE- ", "Read more here.", "This live blog is now closed.",
    "What you need to know", "[sic]", "\u00a0", "\ufeff", "Headline without a stop",
]  # fmt: skip


@st.composite
def mutated_text(draw) -> bytes:
    lines = draw(st.sampled_from(TEXTS)).read_text(encoding="utf-8").split("\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        operation = draw(st.sampled_from(["delete", "duplicate", "insert", "swap", "append"]))
        if operation == "delete" and len(lines) > 1:
            del lines[at]
        elif operation == "duplicate":
            lines.insert(at, lines[at])
        elif operation == "insert":
            lines.insert(at, draw(st.sampled_from(LINE_PIECES) | st.text(max_size=60)))
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        else:
            lines[at] += draw(st.sampled_from(LINE_PIECES))
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # now and then, bytes no text file holds
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\x00", b"\xc3"])) + data[at:]
    return data


@FUZZ
@given(data=mutated_text())
def test_mutated_text_seeds(tmp_path_factory, site, data):
    path = tmp_path_factory.mktemp("text") / "seed.txt"
    path.write_bytes(data)
    check_outcome(path, site)


SIDECAR_VALUES = {
    "date": ["2022-02-07", "7 Feb", "0001-01-01", "2022-02-30", 7, None],
    "slug": ["a-slug", "admin", "a/b", "x" * 201, "", None],
    "status": ["closed", "draft", "bogus", None],
    "time_zone": ["Europe/Kyiv", "Not/AZone", "", None],
    "source_url": ["https://example.com/", "https://example.com/" + "a" * 200, "nope", None],
}


@FUZZ
@given(
    sidecar=st.fixed_dictionaries(
        {},
        optional={
            key: st.sampled_from(values) | hostile_values for key, values in SIDECAR_VALUES.items()
        },
    ),
    unknown=st.booleans(),
)
def test_seeds_with_hostile_sidecars(tmp_path_factory, site, sidecar, unknown):
    folder = tmp_path_factory.mktemp("sidecar")
    path = folder / "seed.txt"
    path.write_bytes(SEEDS[0].read_bytes())
    (folder / "seed.meta.json").write_text(json.dumps({**sidecar, **({"x": 1} if unknown else {})}))
    check_outcome(path, site)


# --- JSON documents ------------------------------------------------------------------------


def backup_document(seed: Path) -> dict:
    """A seed read and dressed with every key an export carries."""
    document = read_bytes(seed.read_bytes())
    images = {}

    def picture(block: dict) -> str:
        key = f"img-{len(images)}"
        images[key] = {
            "key": key,
            "alt": block["alt"],
            "credit": block["credit"],
            "file_photo": block["file_photo"],
            "source_url": None,
            "file": None,
            "sha256": None,
        }
        return key

    count = len(document["entries"])
    for index, entry in enumerate(document["entries"]):
        entry.update(
            key=f"entry-key-{index}",
            order=count - index,
            status="draft" if index == 3 else "published",
            is_key_event=index == 1,
            is_pinned=index == 0,
            published_at=f"2025-02-12T09:{index % 60:02d}:00+00:00" if index % 3 == 0 else None,
            authors=["fuzz-author"] if index % 2 else [],
            corrections=[{"text": "c", "author": None, "created_at": "2025-02-12T10:00:00+00:00"}]
            if index == 2
            else [],
            image_keys=[picture(b) for b in entry["blocks"] if b["type"] == "image"],
        )
    document.update(
        slug=f"fuzz-{seed.stem[:20].replace('_', '-')}",
        status="live",
        time_zone="Europe/Kyiv",
        starts_at="2025-02-12T07:30:00+00:00",
        closed_at=None,
        coverage_date="2025-02-12",
        source_name=None,
        source_url="https://example.com/",
        import_notes=["seed.txt:3: a note"],
        hero_image_key=picture(document["hero_image"]) if document["hero_image"] else None,
    )
    document["images"] = list(images.values())
    return document


BASES = [backup_document(seed) for seed in SEEDS]


def places(value, found=None) -> list:
    """Every (container, key) in a document, to mutate one of them."""
    found = [] if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            places(item, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            places(item, found)
    return found


def target(draw, document) -> tuple:
    """A (container, key) to mutate: the blog's own keys, an entry's, a block's or a picture
    record's as often as any of the thousands of places in block texts."""
    level = draw(st.sampled_from(["blog", "blog", "entry", "entry", "block", "image", "any"]))
    entries = document.get("entries")
    entries = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    if level == "blog" and document:
        return document, draw(st.sampled_from(sorted(document)))
    if level == "entry" and entries:
        entry = draw(st.sampled_from(entries))
        if entry:
            return entry, draw(st.sampled_from(sorted(entry)))
    if level == "block" and entries:
        blocks = draw(st.sampled_from(entries)).get("blocks")
        blocks = (
            [b for b in blocks if isinstance(b, dict) and b] if isinstance(blocks, list) else []
        )
        if blocks:
            block = draw(st.sampled_from(blocks))
            return block, draw(st.sampled_from(sorted(block)))
    images = document.get("images")
    if level == "image" and isinstance(images, list) and images:
        record = draw(st.sampled_from(images))
        if isinstance(record, dict) and record:
            return record, draw(st.sampled_from(sorted(record)))
    return draw(st.sampled_from(places(document)))


@st.composite
def mutated_document(draw):
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        container, key = target(draw, document)
        operation = draw(st.sampled_from(["set", "set", "set", "delete", "duplicate", "add"]))
        if operation == "set":
            container[key] = draw(hostile_values)
        elif operation == "delete":
            del container[key]
        elif operation == "duplicate" and isinstance(container, list):
            container.insert(key, copy.deepcopy(container[key]))
        elif operation == "add" and isinstance(container, dict):
            container[draw(st.sampled_from(["extra", "slug", "key", "file", "status"]))] = draw(
                hostile_values
            )
    return document


def json_bytes(document) -> bytes:
    # Lone surrogates can only travel escaped, as JSON allows.
    return json.dumps(document, ensure_ascii=True).encode()


@FUZZ
@given(document=mutated_document())
def test_mutated_json_documents(tmp_path_factory, site, document):
    path = tmp_path_factory.mktemp("json") / "document.json"
    path.write_bytes(json_bytes(document))
    check_outcome(path, site)


# --- bundles -------------------------------------------------------------------------------


def picture_bytes() -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 6), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


PICTURE = picture_bytes()


@st.composite
def mutated_bundle(draw) -> bytes:
    document = draw(mutated_document())
    records = document.get("images") if isinstance(document, dict) else None
    content = PICTURE
    if isinstance(records, list) and records and isinstance(records[0], dict):
        records[0].update(file="images/2025/02/fuzz.png", sha256=file_sha256(PICTURE))
        corruption = draw(st.sampled_from(["none", "none", "bytes", "truncate", "not-a-picture"]))
        if corruption == "bytes":
            content = PICTURE[:20] + b"\x00" + PICTURE[21:]
        elif corruption == "truncate":
            content = PICTURE[:30]
        elif corruption == "not-a-picture":
            content = b"GIF89a but not really"
            records[0]["sha256"] = file_sha256(content)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(BACKUP_NAME, json_bytes(document))
        archive.writestr(MEDIA_PREFIX + "images/2025/02/fuzz.png", content)
    data = out.getvalue()
    if draw(st.integers(0, 9)) == 0:  # a damaged archive
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    return data


@FUZZ
@given(data=mutated_bundle())
def test_mutated_bundles(tmp_path_factory, site, media_root, data):
    path = tmp_path_factory.mktemp("bundle") / "backup.zip"
    path.write_bytes(data)
    before = sorted(media_root.rglob("*")) if media_root.exists() else []
    outcome = check_outcome(path, site)
    if outcome == "refused":
        after = sorted(media_root.rglob("*")) if media_root.exists() else []
        assert [p for p in after if p.is_file()] == [p for p in before if p.is_file()]


def test_the_bases_import_cleanly(tmp_path, site):
    """The unmutated documents import: the mutations, not the bases, are what gets refused."""
    for index, document in enumerate(BASES):
        path = tmp_path / f"base{index}.json"
        path.write_bytes(json_bytes(document))
        assert check_outcome(path, site) == "imported"
