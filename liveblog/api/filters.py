"""Query filters for the API. Every parameter validates its value: a bad one is a 400."""

from django import forms
from django.db.models import Q
from django_filters import fields as base_fields
from django_filters import filters as base_filters
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from liveblog import languages
from liveblog.api.permissions import captions_for
from liveblog.models import Blog, BlogStatus, Caption, Entry, Image


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is an error rather than silently ignored."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(base_filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class SearchFilter(filters.CharFilter):
    """`q`: the model QuerySet's search() (PostgreSQL full text when configured)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Search words; every word must match.")
        super().__init__(method=self.search, **kwargs)

    @staticmethod
    def search(queryset, name, value):
        return queryset.search(value)


class NoEmptyItemsCSVField(base_fields.BaseCSVField):
    """A comma-separated value with no empty item: "title," is an error, as the schema says,
    where django-filter would quietly drop the empty key. An empty value is still no value."""

    def clean(self, value):
        if value and "" in value:
            raise forms.ValidationError("Remove the empty item (a stray comma).", code="invalid")
        return super().clean(value)


class StableOrderingFilter(filters.OrderingFilter):
    """OrderingFilter with the newest id as the last key, so equal values never swap between
    pages (titles and coverage dates repeat; without it a row can show on two pages or none)."""

    base_field_class = NoEmptyItemsCSVField

    def filter(self, qs, value):
        ordered = super().filter(qs, value)
        if ordered is qs:
            return qs
        return ordered.order_by(*ordered.query.order_by, "-id")


class BlogFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=BlogStatus.choices)
    language = filters.ChoiceFilter(
        choices=languages.choices(), label="Blogs written in this language (a BCP 47 code)."
    )
    coverage_date = filters.DateFromToRangeFilter(
        label="Coverage date range: coverage_date_after / coverage_date_before (YYYY-MM-DD)."
    )
    q = SearchFilter()
    ordering = StableOrderingFilter(
        fields=["changed_at", "coverage_date", "title", "created_at"],
        label="Sort by changed_at, coverage_date, title or created_at; prefix - for descending.",
    )

    class Meta:
        model = Blog
        fields = ["status", "language", "coverage_date", "q"]


class EntryFilter(filters.FilterSet):
    key_event = StrictBooleanFilter(field_name="is_key_event", label="Key events only (true).")
    pinned = StrictBooleanFilter(field_name="is_pinned", label="The pinned entry only (true).")
    q = SearchFilter()

    class Meta:
        model = Entry
        fields = ["key_event", "pinned", "q"]


class ImageFilter(filters.FilterSet):
    credit = filters.CharFilter(lookup_expr="iexact", label="Photographer or agency (any case).")
    file_photo = StrictBooleanFilter(field_name="is_file_photo", label="Archive pictures.")
    has_file = StrictBooleanFilter(method="filter_has_file", label="Whether a file was uploaded.")
    blog = filters.CharFilter(method="filter_blog", label="Used in the blog with this slug.")
    q = filters.CharFilter(method="filter_q", label="Words in the alt text or credit.")

    class Meta:
        model = Image
        fields = ["credit", "file_photo", "has_file", "blog", "q"]

    def filter_has_file(self, queryset, name, value):
        return queryset.exclude(file="") if value else queryset.filter(file="")

    def filter_blog(self, queryset, name, value):
        # Only the captions the caller may see count as "used in".
        captions = captions_for(self.request).filter(blog__slug=value)
        return queryset.filter(pk__in=captions.values("image"))

    def filter_q(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(alt_text__icontains=word) | Q(credit__icontains=word))
        return queryset


class CaptionFilter(filters.FilterSet):
    blog = filters.CharFilter(field_name="blog__slug", label="The blog's slug.")
    # entry__id, not entry_id: the integer lookup turns an id past the column's range into an
    # empty result, where the foreign key lookup hands it to the database (OverflowError on SQLite).
    entry = IntegerFilter(field_name="entry__id", label="Entry id.")
    hero = StrictBooleanFilter(
        field_name="entry", lookup_expr="isnull", label="Heroes only (true)."
    )

    class Meta:
        model = Caption
        fields = ["blog", "entry", "hero"]
