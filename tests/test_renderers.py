"""The form renderer (liveblog/renderers.py): Django's widget templates through Jinja2 give the
markup Django's own engine gives (the same elements, attributes and text; only whitespace
between tags differs); the admin's widgets, which exist only as Django templates, still
render."""

import datetime as dt

import pytest
from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.backends.jinja2 import Template as Jinja2Template
from django.test.html import parse_html

from liveblog.renderers import FormRenderer


class Sample(forms.Form):
    headline = forms.CharField(max_length=300, help_text="Short & <sharp>")
    body = forms.CharField(widget=forms.Textarea, required=False)
    pinned = forms.BooleanField(required=False)
    status = forms.ChoiceField(choices=[("draft", "Draft"), ("published", "Published")])
    tags = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple, required=False
    )
    at = forms.SplitDateTimeField(required=False)
    photo = forms.ImageField(required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def test_the_project_renders_forms_with_it():
    assert isinstance(get_default_renderer(), FormRenderer)


def test_djangos_templates_go_to_jinja2_and_the_admins_to_django():
    renderer = FormRenderer()

    assert isinstance(renderer.get_template("django/forms/widgets/checkbox.html"), Jinja2Template)
    admin = renderer.get_template("admin/widgets/split_datetime.html")
    assert not isinstance(admin, Jinja2Template)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "headline": 'Ceasefire <b>holds</b> & "talks"',
            "pinned": "on",
            "status": "published",
            "tags": ["b"],
            "at_0": "2024-03-01",
            "at_1": "10:00",
            "secret": "x'y",
        },
        {"headline": "", "status": "nonsense"},  # errors shown
    ],
)
def test_the_markup_is_djangos_whichever_engine_renders_it(data):
    ours = Sample(data, renderer=FormRenderer())
    djangos = Sample(data, renderer=DjangoTemplates())

    assert parse_html(ours.as_div()) == parse_html(djangos.as_div())
    for name in Sample.base_fields:
        assert parse_html(str(ours[name])) == parse_html(str(djangos[name]))
    assert parse_html(str(ours.errors)) == parse_html(str(djangos.errors))


def test_the_admins_widgets_render_with_djangos_inside():
    widget = admin_widgets.AdminSplitDateTime()
    html = widget.render("at", dt.datetime(2024, 3, 1, 10, 0), renderer=FormRenderer())

    djangos = widget.render("at", dt.datetime(2024, 3, 1, 10, 0), renderer=DjangoTemplates())
    assert parse_html(html) == parse_html(djangos)
    assert 'name="at_0"' in html and 'name="at_1"' in html and 'class="vDateField"' in html
