"""An editor's working session in the admin, in a real browser (Debian chromium via Playwright)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from liveblog.models import Entry, EntryStatus
from tests.factories import make_blog, make_entry, make_image

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "editor-pass-1234"


@pytest.fixture
def editor_login(django_user_model):
    """An editor's username; the group is re-created if an earlier transactional test flushed it."""
    migration = importlib.import_module("liveblog.migrations.0002_editors_group")
    migration.create_editors_group(apps, None)
    user = django_user_model.objects.create_user("desk", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_editor_creates_pins_and_marks_an_entry(page, live_server, editor_login, artifacts_dir):
    blog = make_blog(
        title="Wildfires live: evacuations across the north as crews battle the blazes"
    )
    old_pin = make_entry(blog, headline="Evacuation order issued", is_pinned=True)
    make_image(alt_text="Firefighters on a ridge at dusk", credit="AFP")
    make_entry(make_blog(title="Markets today"), headline="Shares slip")
    admin = live_server.url + "/admin/"

    page.goto(admin)
    page.fill("#id_username", "desk")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    assert "Users" not in page.inner_text("#content-main")

    # A new entry with a picture, picked by autocomplete in the captions inline.
    page.goto(f"{admin}liveblog/entry/add/?blog={blog.pk}")
    page.fill("#id_headline", "Firefighters hold the line")
    page.fill("#id_body", "Crews worked through the night.\n\n- two villages safe\n- wind easing")
    assert page.inner_text("#lb-live-preview li >> nth=1") == "wind easing"
    # A list in the preview reads as one: bulleted, not pushed 160px right by the admin's form CSS.
    list_style = page.eval_on_selector(
        "#lb-live-preview ul",
        "ul => [getComputedStyle(ul).marginLeft, getComputedStyle(ul.firstChild).listStyleType]",
    )
    assert list_style == ["0px", "disc"]
    page.select_option("#id_status", EntryStatus.PUBLISHED)
    page.click("#captions-group .add-row a")
    page.click("#captions-0 .select2-selection")
    page.fill(".select2-search__field", "firefighters")
    page.click(".select2-results__option:has-text('Firefighters on a ridge')")
    page.fill("#id_captions-0-text", "Holding the line above the village")
    page.fill("#id_captions-0-position", "1")
    page.screenshot(path=str(artifacts_dir / "admin-entry-form.png"), full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    entry = Entry.objects.get(headline="Firefighters hold the line")
    assert entry.captions.get().image.alt_text == "Firefighters on a ridge at dusk"
    assert list(entry.authors.values_list("username", flat=True)) == ["desk"]

    # Save lands on the list of the entry's own blog, the new entry on top.
    assert page.url.endswith(f"?blog__id__exact={blog.pk}")
    assert page.locator("#result_list", has_text="Shares slip").count() == 0
    assert page.locator("#result_list", has_text="Firefighters hold the line").count() == 1

    # From every blog's entries, narrow the list to the blog with the autocomplete filter.
    page.goto(live_server.url + reverse("admin:liveblog_entry_changelist"))
    assert page.locator("#result_list", has_text="Shares slip").count() == 1
    page.click("#changelist-filter .select2-selection")
    page.fill(".select2-search__field", "wildf")
    page.click(".select2-results__option:has-text('Wildfires live')")
    page.wait_for_url(f"**blog__id__exact={blog.pk}**")
    assert page.locator("#result_list", has_text="Shares slip").count() == 0
    # On a 1280px screen the flags and the picture count are in view, not behind a sideways scroll.
    results = page.locator(".results").bounding_box()
    last_column = page.locator("#result_list th.column-image_count").bounding_box()
    assert last_column["x"] + last_column["width"] <= results["x"] + results["width"] + 1

    # Pin it with the action, then tick "key event" right in the list.
    row = page.locator("#result_list tbody tr", has_text="Firefighters hold the line")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "pin")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    row = page.locator("#result_list tbody tr", has_text="Firefighters hold the line")
    row.locator("input[name$=is_key_event]").check()
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    row = page.locator("#result_list tbody tr", has_text="Firefighters hold the line")
    assert row.locator("input[name$=is_pinned]").is_checked()
    assert row.locator("input[name$=is_key_event]").is_checked()
    assert row.locator("td.field-image_count").inner_text() == "1"
    old_row = page.locator("#result_list tbody tr", has_text="Evacuation order issued")
    assert not old_row.locator("input[name$=is_pinned]").is_checked()
    entry.refresh_from_db()
    old_pin.refresh_from_db()
    assert (entry.is_pinned, entry.is_key_event, old_pin.is_pinned) == (True, True, False)

    page.screenshot(path=str(artifacts_dir / "admin-entry-changelist.png"), full_page=True)
    assert page.console_errors == []
