"""What an import assumed reaches editors: printed in the summary, kept on the blog as import
notes, shown beside "needs attention" with each entry's reasons. The reader corpus imports whole.
"""

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from liveblog.importers.export import blogs_for_export, export_blog
from liveblog.models import ATTENTION_REASONS, Blog, Entry

pytestmark = pytest.mark.django_db

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
CORPUS = sorted(path.stem for path in CORPUS_DIR.glob("*.json"))
DOCUMENT_KEYS = [
    "format",
    "title",
    "standfirst",
    "date",
    "published",
    "updated",
    "key_points",
    "hero_image",
    "intro",
    "closed_notice",
    "source",
]
CAPTION_ONLY = (
    "Storm live\n\nStandfirst.\n\nRoads closed\n\nPolice closed the coast road.\n\n"
    "Waves over the harbour wall [Reuters]\n\nSource: Agencies"
)


def run_import(*args) -> str:
    out = io.StringIO()
    call_command("import_seeds", *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def expected_warnings(name: str) -> list[str]:
    path = CORPUS_DIR / f"{name}.warnings.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in CORPUS:
        shutil.copy(CORPUS_DIR / f"{name}.txt", folder)
    return folder


def test_the_whole_corpus_imports_with_its_warnings_as_notes(corpus_copy):
    output = run_import(corpus_copy)

    total = sum(len(expected_warnings(name)) for name in CORPUS)
    summary = f"{len(CORPUS)} files, 0 unchanged (skipped by hash), 0 failed, {total} warnings"
    assert summary in output
    for name in CORPUS:
        blog = Blog.objects.get(source_name=name)
        # The reader's "line N: what" becomes "file:N: what", printed and kept on the blog.
        notes = [f"{name}.txt:{line.removeprefix('line ')}" for line in expected_warnings(name)]
        assert blog.import_notes.splitlines() == notes
        for note in notes:
            assert f"  {corpus_copy}/{note}" in output
        # What the page reads to is what the blog holds.
        expected = json.loads((CORPUS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        document = export_blog(blogs_for_export(Blog.objects.filter(pk=blog.pk)).get())
        assert {key: document[key] for key in DOCUMENT_KEYS} == {
            key: expected[key] for key in DOCUMENT_KEYS
        }
        assert [(e["headline"], e["blocks"]) for e in document["entries"]] == [
            (e["headline"], e["blocks"]) for e in expected["entries"]
        ]


def test_notes_are_replaced_by_the_next_import_and_kept_when_skipped(tmp_path):
    path = tmp_path / "storm.txt"
    path.write_text(CAPTION_ONLY)
    run_import(path)
    blog = Blog.objects.get()
    assert blog.import_notes == "storm.txt:9: caption without alt text; imported with empty alt"

    assert "unchanged (skipped by hash)" in run_import(path)
    blog.refresh_from_db()
    assert blog.import_notes.startswith("storm.txt:9: caption without alt text")

    path.write_text(CAPTION_ONLY.replace("Waves over", "A picture of waves\nWaves over"))
    output = run_import(path)
    blog.refresh_from_db()
    assert blog.import_notes == "" and "0 warnings" in output


def test_a_missing_alt_text_needs_attention_with_its_reason(tmp_path):
    (tmp_path / "storm.txt").write_text(CAPTION_ONLY)
    run_import(tmp_path / "storm.txt")
    entry = Entry.objects.get()

    found = Entry.objects.needing_attention("lacks_alt_text")

    assert list(found) == [entry]
    # The imported picture also has no file: both reasons, in the rule's order.
    assert found.get().attention_reasons == [
        ATTENTION_REASONS["lacks_picture_file"],
        ATTENTION_REASONS["lacks_alt_text"],
    ]
    assert not Entry.objects.needing_attention("lacks_link_address").exists()


def test_the_blog_page_shows_reasons_and_import_notes_side_by_side(tmp_path, editor_client):
    hero = "Hero caption without its alt line [AFP]\n\n"
    (tmp_path / "storm.txt").write_text(CAPTION_ONLY.replace("Roads closed", hero + "Roads closed"))
    run_import(tmp_path / "storm.txt")
    blog = Blog.objects.get()

    html = editor_client.get(reverse("admin:liveblog_blog_change", args=[blog.pk])).content.decode()

    assert "<strong>1 entry</strong></a> needs attention:" in html
    assert 'attention=lacks_alt_text">1 with a picture without alt text</a>' in html
    assert (
        "hero image</a> needs attention: a picture without a file, a picture without alt text."
    ) in html
    notes = html[html.index("field-import_notes_list") :]
    assert "<li>storm.txt:5: caption without alt text; imported with empty alt</li>" in notes
    assert "<li>storm.txt:11: caption without alt text; imported with empty alt</li>" in notes


def test_the_entry_list_names_each_entrys_problem(tmp_path, editor_client):
    (tmp_path / "storm.txt").write_text(CAPTION_ONLY)
    run_import(tmp_path / "storm.txt")
    changelist = reverse("admin:liveblog_entry_changelist")

    response = editor_client.get(changelist, {"attention": "lacks_alt_text"})

    assert [entry.headline for entry in response.context["cl"].result_list] == ["Roads closed"]
    html = response.content.decode()
    assert "a picture without a file; a picture without alt text" in html
    assert "A picture without alt text" in html  # the filter's choice
    assert (
        not editor_client.get(changelist, {"attention": "lacks_link_address"})
        .context["cl"]
        .result_list
    )
