"""Images and captions in the admin: the picture library and where each picture is used."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from liveblog import forms
from liveblog.admin.display import EditorialAdmin, count_of, describe_caption
from liveblog.models import Caption, Image


class HasFileFilter(admin.SimpleListFilter):
    title = _("has file")
    parameter_name = "has_file"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No (alt text only)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(file="")
        if self.value() == "no":
            return queryset.filter(file="")
        return queryset


@admin.register(Image)
class ImageAdmin(EditorialAdmin):
    form = forms.ImageAdminForm
    list_display = ["thumbnail", "alt_text_short", "credit", "file_photo", "usage"]
    list_display_links = ["thumbnail", "alt_text_short"]
    list_filter = ["credit", HasFileFilter, "is_file_photo"]
    search_fields = ["alt_text", "captions__text", "credit"]
    readonly_fields = ["thumbnail", "width", "height", "used_in", "created_at"]
    fields = [
        "file",
        "thumbnail",
        "alt_text",
        "credit",
        "is_file_photo",
        "source_url",
        "width",
        "height",
        "used_in",
        "created_at",
    ]

    class Media:
        js = ["liveblog/admin/upload_limit.js"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(usage_count=count_of(Caption.objects.all(), "image"))
        )

    def get_search_results(self, request, queryset, search_term):
        # Caption text is searched in a subquery, so an image matching twice is listed once.
        for word in search_term.split():
            in_captions = Caption.objects.filter(image=OuterRef("pk"), text__icontains=word)
            queryset = queryset.filter(
                Q(alt_text__icontains=word) | Q(credit__icontains=word) | Exists(in_captions)
            )
        return queryset, False

    @admin.display(description=_("picture"))
    def thumbnail(self, image: Image):
        if image.file:
            return format_html(
                '<img src="{}" alt="{}" class="lb-thumbnail">',
                image.file.url,
                image.alt_text,
            )
        return format_html(
            '<span class="lb-nofile" title="No file yet">No file: {}</span>',
            Truncator(image.alt_text).chars(60),
        )

    @admin.display(description=_("alt text"), ordering="alt_text")
    def alt_text_short(self, image: Image):
        return Truncator(image.alt_text).chars(100)

    @admin.display(description=_("file photo"), boolean=True, ordering="is_file_photo")
    def file_photo(self, image: Image) -> bool:
        return image.is_file_photo

    @admin.display(description=_("used"), ordering="usage_count")
    def usage(self, image: Image):
        if not image.usage_count:
            return "unused"
        url = reverse("admin:liveblog_caption_changelist") + f"?image__id__exact={image.pk}"
        return format_html('<a href="{}">{} caption(s)</a>', url, image.usage_count)

    @admin.display(description=_("used in"))
    def used_in(self, image: Image):
        if not image.pk:
            return "—"
        captions = image.captions.select_related("entry", "blog")
        if not captions:
            return _("Not used yet.")
        # The admin indents lists in forms past the labels; this one sits in the field's column.
        return format_html(
            '<ul class="lb-used-in">{}</ul>',
            format_html_join("", "<li>{}</li>", ((describe_caption(c),) for c in captions)),
        )

    def get_deleted_objects(self, objs, request):
        # Caption.image is PROTECT: name the entries and blogs that still show the picture.
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            captions = Caption.objects.filter(image__in=objs).select_related(
                "image", "entry", "blog"
            )
            protected = [
                format_html(
                    "“{}” is used as {}; remove it there first", c.image, describe_caption(c)
                )
                for c in captions
            ]
        return to_delete, model_count, perms_needed, protected


@admin.register(Caption)
class CaptionAdmin(EditorialAdmin):
    list_display = ["__str__", "image", "placed_in", "position"]
    list_select_related = ["image", "entry", "blog"]
    search_fields = ["text", "image__alt_text", "entry__headline", "blog__title"]
    autocomplete_fields = ["blog", "entry", "image"]
    fields = ["blog", "entry", "image", "text", "position"]

    @admin.display(description=_("placed in"))
    def placed_in(self, caption: Caption):
        return describe_caption(caption)
