"""Import documents and the model's fields: which document key is which field, and whether a
value is one the field accepts (its own validators, choices and max_length: one place).

The loader checks every value here before writing it, so a bad value is reported at its place in
the document instead of surfacing as a database error halfway through a file.
"""

import datetime
from functools import cache

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from liveblog.models import Blog

# Blog fields a document names differently from the model (SEED_FORMAT.md's names).
BLOG_DOCUMENT_KEYS = {
    "attribution": "source",
    "source_published": "published",
    "source_updated": "updated",
    "source_format": "format",
}
# Editor-settable blog fields the loader and export handle one by one; every other editable
# field travels generically under its own name (so a field added later, such as a language,
# is exported and restored without any change here).
BLOG_FIELDS_HANDLED = frozenset(
    {
        "title",
        "slug",
        "standfirst",
        "key_points",
        "intro",
        "status",
        "coverage_date",
        "time_zone",
        "closed_notice",
        "attribution",
        "source_published",
        "source_updated",
        "source_url",
    }
)


class InvalidValue(ValueError):
    """A value the model's field refuses; `name` is the field's name."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


@cache
def generic_blog_fields() -> tuple[models.Field, ...]:
    """Editable blog fields without a key of their own in SEED_FORMAT.md, in model order.
    Never the primary key: a document names its blog by slug (or source file), so it restores
    into any database, and an id it carries is ignored."""
    return tuple(
        field
        for field in Blog._meta.concrete_fields
        if field.editable
        and not field.primary_key
        and not field.is_relation
        and field.name not in BLOG_FIELDS_HANDLED
    )


def to_document(value):
    """A field's value as a document carries it (dates and times in ISO 8601)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def from_document(field: models.Field, value):
    """A document's value for `field`, as the field holds it (InvalidValue if unreadable)."""
    if value is None:
        return None
    if isinstance(field, models.DateField | models.DateTimeField) and not isinstance(value, str):
        raise InvalidValue(field.name, "must be an ISO 8601 string")
    try:
        value = field.to_python(value)
    except ValidationError as error:
        raise InvalidValue(field.name, " ".join(error.messages)) from None
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        raise InvalidValue(
            field.name, "give the time with its UTC offset, e.g. 2025-02-07T10:00:00+00:00"
        )
    return value


@cache
def _fields(model) -> dict[str, models.Field]:
    found = {}
    for field in model._meta.concrete_fields:
        found[field.name] = found[field.attname] = field
    return found


def check_values(model, values: dict, *, blank_allowed: frozenset = frozenset()) -> None:
    """Raise InvalidValue for the first value its field refuses (unknown names are skipped).

    Runs what `full_clean()` runs per field, without building an instance: the loader writes
    rows, and this stays cheap enough for every entry of a large import. Fields named in
    `blank_allowed` may be left empty for editors to fill in (a picture's alt text).
    """
    fields = _fields(model)
    for name, value in values.items():
        field = fields.get(name)
        if field is None or field.is_relation:
            continue
        try:
            value = field.to_python(value)
            if not (name in blank_allowed and value in field.empty_values):
                field.validate(value, None)
            field.run_validators(value)
        except ValidationError as error:
            raise InvalidValue(field.name, " ".join(error.messages)) from None
