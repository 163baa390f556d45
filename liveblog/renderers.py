"""How forms and widgets render: Django's own form templates through Jinja2, the rest (the
admin's widgets, ours) through Django templates.

The admin's entry list is a form per row (the action checkbox, the key-event and pin boxes, the
hidden id); rendering those small widget templates with Django's template engine was about half
of a row's cost, and rows are what grow with the page. Django ships every one of its form
templates in both languages (django/forms/templates and django/forms/jinja2, the same files),
so the markup is Django's either way; Jinja2 renders them in about half the time. A template
Django ships only for its own engine (admin/widgets/..., an app's override) is rendered by it.
"""

from functools import cached_property

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2

JINJA2_NAMES = "django/forms/"


class FormRenderer(BaseRenderer):
    """FORM_RENDERER: Django's form and widget templates by Jinja2, any other by Django."""

    @cached_property
    def jinja2(self) -> Jinja2:
        return Jinja2()

    @cached_property
    def django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str):
        if template_name.startswith(JINJA2_NAMES):
            return self.jinja2.get_template(template_name)
        return self.django.get_template(template_name)
