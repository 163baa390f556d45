"""A small site with every kind of content a reader page can show, written through the models'
own verbs (so times carry microseconds, as the desk's and the API's do): the material the
validator, Lighthouse and the structured-data tests judge the pages by.

- a live blog with a hero picture, key points, an intro, a pinned entry, key events, entries
  with photos, a list, a quote, an embed, inline markup, co-authors and a correction;
- a closed blog, an upcoming one and an Arabic one;
- the seeds (imported blogs with untimed entries and pictures without files).
"""

import io
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw

from liveblog import renditions
from liveblog.models import Blog, BlogStatus, Caption, Correction, Entry, Image


def photo(name: str = "photo.jpg", width: int = 1600, height: int = 900) -> SimpleUploadedFile:
    """A JPEG with some detail in it (a flat colour compresses unlike any photo)."""
    picture = PILImage.new("RGB", (width, height), (40, 90, 140))
    draw = ImageDraw.Draw(picture)
    for n in range(0, width, 40):
        draw.line([(n, 0), (width - n, height)], fill=(200, 120 + n % 100, 60), width=6)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def uploaded_image(alt_text: str, **fields) -> Image:
    """An uploaded picture with its renditions made, as the after-commit hook would."""
    image = Image.objects.create(file=photo(), alt_text=alt_text, **fields)
    renditions.make_renditions(image)
    return image


@dataclass
class Showcase:
    live: Blog
    closed: Blog
    upcoming: Blog
    arabic: Blog
    photo_entry: Entry
    plain_entry: Entry
    editor: User


def build(*, seeds: bool = True) -> Showcase:
    editor = User.objects.create_user(
        "showcase-editor",
        password="showcase-pass-1234",
        first_name="Eda",
        last_name="Reyes",
        is_staff=True,
    )
    if group := Group.objects.filter(name="Editors").first():
        editor.groups.add(group)
    colleague = User.objects.create_user("showcase-colleague", first_name="Olu", last_name="Ade")

    live = Blog.objects.create(
        title="Storm Ciarán: live updates as the storm reaches the coast",
        slug="storm-ciaran",
        status=BlogStatus.LIVE,
        standfirst="Winds of up to 100 mph are hitting the south coast; ferries are cancelled.",
        key_points=["Red warning for wind in Cornwall", "Ferries cancelled until Friday"],
        intro="The Met Office says the worst is expected overnight.\n\nSchools are closed.",
        attribution="Newsroom staff and agencies",
        time_zone="Europe/London",
    )
    hero = uploaded_image("Waves breaking over the harbour wall at Newhaven", credit="PA")
    Caption.objects.create(blog=live, image=hero, text="Newhaven this morning")

    def entry(headline: str, body: str, *, authors=(editor,), **verbs) -> Entry:
        item = Entry(blog=live, headline=headline, body=body)
        item.save()
        item.authors.set(authors)
        item.publish()
        if verbs.get("key_event"):
            item.mark_key_event()
        if verbs.get("pinned"):
            item.pin()
        return item

    entry(
        "Red warning issued for Cornwall",
        "The Met Office has issued a **red warning** for wind.\n\n"
        "- Gusts of 90 mph\n- Flying debris\n\n"
        "[Read the warning](https://www.metoffice.gov.uk/)",
        key_event=True,
    )
    photo_entry = entry(
        "Sea wall breached at Newhaven",
        "Water came over the wall at high tide.\n\nResidents were moved to the town hall.",
        authors=(editor, colleague),
        key_event=True,
    )
    picture = uploaded_image("Sea water flowing over the harbour wall", credit="Reuters")
    Caption.objects.create(
        blog=live, entry=photo_entry, image=picture, text="The harbour at noon", position=1
    )
    entry(
        "What the coastguard says",
        "> Stay away from the seafront.\n> — HM Coastguard\n\nIts *advice* is clear.",
    )
    entry(
        "Video from the pier",
        "Footage from the pier:\n\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    plain_entry = entry("Ferries cancelled until Friday", "All crossings are off.", pinned=True)
    Correction.objects.create(
        entry=plain_entry, text="An earlier version said Thursday.", author=editor
    )

    closed = Blog.objects.create(
        title="Budget 2025 as it happened",
        slug="budget-2025",
        status=BlogStatus.LIVE,
        standfirst="The chancellor's statement and the reaction.",
        time_zone="Europe/London",
    )
    Entry.objects.create(blog=closed, headline="The statement begins", body="It starts.")
    closed.entries.get().publish()
    closed.set_status(BlogStatus.CLOSED)
    upcoming = Blog.objects.create(
        title="Election night",
        slug="election-night",
        status=BlogStatus.UPCOMING,
        standfirst="Results as they come in.",
        starts_at=timezone.now() + timezone.timedelta(days=2),
    )
    arabic = Blog.objects.create(
        title="العاصفة: تغطية مباشرة",
        slug="storm-ar",
        status=BlogStatus.LIVE,
        language="ar",
        standfirst="آخر أخبار العاصفة.",
        time_zone="Asia/Beirut",
    )
    Entry.objects.create(blog=arabic, headline="بدء التغطية", body="الرياح قوية.").publish()
    if seeds:
        call_command("import_seeds", verbosity=0, stdout=io.StringIO())
    return Showcase(live, closed, upcoming, arabic, photo_entry, plain_entry, editor)
