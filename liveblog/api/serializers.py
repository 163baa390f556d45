"""Shapes of blogs, entries, images and captions as the API reads and writes them."""

import re

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from liveblog import body as body_markup
from liveblog import renditions, uploads
from liveblog.models import Blog, BlogStatus, Caption, Entry, Image


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}],
        "description": "An http(s) address, or empty when unknown.",
    }
)
class OptionalURLField(serializers.URLField):
    """A URL that may be left empty (the model stores "")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)


class SlugRelatedField(serializers.SlugRelatedField):
    """A related object by slug; text with NUL is refused before the lookup, which PostgreSQL
    would answer with an error (a 500) rather than "no such object"."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError("Null characters are not allowed.")
        return super().to_internal_value(data)


def absolute(request, url: str) -> str | None:
    if not url:
        return None
    return request.build_absolute_uri(url) if request is not None else url


class RenditionSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    url = serializers.URLField()


class ImageSerializer(serializers.ModelSerializer):
    """An image; uploads are multipart with the picture in `file`."""

    file = serializers.ImageField(
        required=False,
        allow_null=True,
        allow_empty_file=False,
        _DjangoImageField=uploads.PictureField,
        help_text="JPEG, PNG, GIF or WebP. Size and pixel count are limited "
        "(LIVEBLOG_MAX_IMAGE_BYTES, LIVEBLOG_MAX_IMAGE_PIXELS).",
    )
    has_file = serializers.BooleanField(read_only=True)
    source_url = OptionalURLField()
    renditions = serializers.SerializerMethodField(
        help_text="Resized copies (JPEG), narrowest first; empty without a file."
    )

    class Meta:
        model = Image
        fields = [
            "id",
            "alt_text",
            "credit",
            "is_file_photo",
            "file",
            "has_file",
            "width",
            "height",
            "renditions",
            "source_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["width", "height", "created_at", "updated_at"]

    def to_representation(self, image):
        data = super().to_representation(image)
        # DRF leaves an empty file as ""; readers get null instead.
        data["file"] = data["file"] or None
        return data

    @extend_schema_field(RenditionSerializer(many=True))
    def get_renditions(self, image) -> list[dict]:
        request = self.context.get("request")
        return [
            {"width": width, "url": absolute(request, renditions.rendition_url(image, width))}
            for width in renditions.widths_for(image)
        ]

    def validate_file(self, upload):
        if upload is None:
            return upload
        return uploads.validate_image(upload)


class HeroSerializer(serializers.Serializer):
    caption_id = serializers.IntegerField(source="id")
    caption = serializers.CharField(source="text")
    image = ImageSerializer()


# What Django's SlugField accepts (validate_slug).
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class BlogSlugField(serializers.SlugRelatedField):
    """A blog named by its slug; anything that cannot be a slug is refused before the database
    is asked (PostgreSQL cannot even compare a text holding NUL)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SLUG.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])
        return super().to_internal_value(data)


class BlogSerializer(serializers.ModelSerializer):
    """A blog with everything its reader page shows above the entries."""

    url = serializers.SerializerMethodField(help_text="The reader page.")
    entries_url = serializers.HyperlinkedIdentityField(
        view_name="api:blog-entries-list", lookup_field="slug", lookup_url_kwarg="blog_slug"
    )
    key_points = serializers.ListField(
        child=serializers.CharField(max_length=1000), required=False, max_length=50
    )
    intro_paragraphs = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The intro, split into paragraphs."
    )
    hero = serializers.SerializerMethodField()
    source_url = OptionalURLField()
    translations = BlogSlugField(
        many=True,
        slug_field="slug",
        queryset=Blog.objects.all(),
        required=False,
        help_text="Slugs of the same story's blogs in other languages (linked both ways).",
    )
    entry_count = serializers.IntegerField(read_only=True, help_text="Published entries.")
    key_event_count = serializers.IntegerField(read_only=True, help_text="Published key events.")

    class Meta:
        model = Blog
        fields = [
            "id",
            "slug",
            "url",
            "entries_url",
            "title",
            "standfirst",
            "status",
            "coverage_date",
            "starts_at",
            "closed_at",
            "time_zone",
            "language",
            "translations",
            "key_points",
            "intro",
            "intro_paragraphs",
            "hero",
            "entry_count",
            "key_event_count",
            "closed_notice",
            "attribution",
            "source_published",
            "source_updated",
            "source_url",
            "revision",
            "changed_at",
            "created_at",
        ]
        read_only_fields = ["closed_at", "revision", "changed_at", "created_at"]
        extra_kwargs = {
            "changed_at": {"help_text": "Last updated: the last change a reader could see."},
            "revision": {"help_text": "Grows with every reader-visible change in the blog."},
        }

    def get_url(self, blog) -> str:
        return absolute(self.context.get("request"), blog.get_absolute_url())

    @extend_schema_field(HeroSerializer(allow_null=True))
    def get_hero(self, blog) -> dict | None:
        """Reads blog.hero_captions (prefetched by the view)."""
        heroes = getattr(blog, "hero_captions", None)
        if heroes is None:
            heroes = list(blog.captions.filter(entry__isnull=True).select_related("image"))
        if not heroes:
            return None
        return HeroSerializer(heroes[0], context=self.context).data

    def validate_status(self, status: str) -> str:
        if self.instance is not None and (
            refusal := BlogStatus.refusal(self.instance.status, status)
        ):
            raise serializers.ValidationError(refusal)
        return status

    def validate_key_points(self, points: list[str]) -> list[str]:
        return [point.strip() for point in points if point.strip()]

    def validate(self, attrs):
        # ModelSerializer skips Model.clean(), which refuses slugs the site itself uses (a blog
        # at /admin/ could never be read). Its errors come back keyed by field.
        Blog(slug=attrs.get("slug", getattr(self.instance, "slug", ""))).clean()
        return attrs

    def to_representation(self, blog):
        data = super().to_representation(blog)
        # Counts are annotated by the view's queryset; a freshly written blog has none yet.
        for field in ("entry_count", "key_event_count"):
            if data.get(field) is None:
                data[field] = 0
        return data


class ParagraphBlock(serializers.Serializer):
    type = serializers.ChoiceField(choices=["paragraph"])
    text = serializers.CharField()


class ListBlock(serializers.Serializer):
    type = serializers.ChoiceField(choices=["list"])
    items = serializers.ListField(child=serializers.CharField())


class LinkBlock(serializers.Serializer):
    type = serializers.ChoiceField(choices=["link"])
    text = serializers.CharField()
    url = serializers.CharField(
        required=False,
        help_text="Absent while the address is unknown, or when it is not an http(s) or mailto "
        "address or a path on this site.",
    )


class InteractiveBlock(serializers.Serializer):
    type = serializers.ChoiceField(choices=["interactive"])
    title = serializers.CharField()


class QuoteBlock(serializers.Serializer):
    type = serializers.ChoiceField(choices=["quote"])
    text = serializers.CharField(help_text="With inline markup, as paragraphs.")
    attribution = serializers.CharField(help_text="Who said it; empty when not given.")


class EmbedBlock(serializers.Serializer):
    type = serializers.ChoiceField(choices=["embed"])
    provider = serializers.ChoiceField(choices=list(body_markup.EMBED_PROVIDERS))
    url = serializers.CharField(help_text="The post or video on the provider's site.")


class ImageBlock(serializers.Serializer):
    type = serializers.ChoiceField(choices=["image"])
    caption_id = serializers.IntegerField()
    caption = serializers.CharField()
    alt = serializers.CharField()
    credit = serializers.CharField()
    file_photo = serializers.BooleanField()
    image = ImageSerializer()


BLOCKS_SCHEMA = PolymorphicProxySerializer(
    component_name="Block",
    serializers={
        "paragraph": ParagraphBlock,
        "list": ListBlock,
        "link": LinkBlock,
        "interactive": InteractiveBlock,
        "quote": QuoteBlock,
        "embed": EmbedBlock,
        "image": ImageBlock,
    },
    resource_type_field_name="type",
    many=True,
)


class CorrectionSerializer(serializers.Serializer):
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class EntrySerializer(serializers.ModelSerializer):
    """An entry. Write its text as `body` markup; `blocks` is the same text parsed, with images."""

    blog = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField(help_text="The entry's reader page.")
    body = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=body_markup.API_HELP_TEXT,
        style={"base_template": "textarea.html"},
    )
    blocks = serializers.SerializerMethodField(
        help_text="The body as blocks, with the entry's images placed among them."
    )
    corrections = CorrectionSerializer(many=True, read_only=True)
    authors = serializers.SerializerMethodField(help_text="Authors' full names.")

    class Meta:
        model = Entry
        fields = [
            "id",
            "blog",
            "url",
            "headline",
            "body",
            "blocks",
            "published_at",
            "order",
            "is_key_event",
            "is_pinned",
            "status",
            "language",
            "authors",
            "corrections",
            "revision",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["revision", "version", "created_at", "updated_at"]
        extra_kwargs = {
            "order": {"required": False, "help_text": "Higher shows first; new entries go on top."},
            "published_at": {
                "help_text": "Null for imported entries without a time; a future "
                "time schedules the entry."
            },
            "version": {"help_text": "Grows on every save; the ETag to send back in If-Match."},
        }

    def get_url(self, entry) -> str:
        return absolute(self.context.get("request"), entry.get_absolute_url())

    @extend_schema_field(BLOCKS_SCHEMA)
    def get_blocks(self, entry) -> list[dict]:
        """Reads entry.captions.all(): the view prefetches captions with their images."""
        placed = [(caption.position, self.image_block(caption)) for caption in entry.captions.all()]
        # A link whose address the URL policy refuses comes back without one, like a lost link.
        text_blocks = body_markup.with_safe_urls(entry.text_blocks())
        return body_markup.place_images(text_blocks, placed)

    def image_block(self, caption: Caption) -> dict:
        return {
            **caption.as_block(),
            "caption_id": caption.pk,
            "image": ImageSerializer(caption.image, context=self.context).data,
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_authors(self, entry) -> list[str]:
        names = (author.get_full_name() for author in entry.authors.all())
        return [name for name in names if name]


class CaptionSerializer(serializers.ModelSerializer):
    """An image placed in an entry, or (entry null) a blog's hero."""

    blog = SlugRelatedField(
        slug_field="slug",
        queryset=Blog.objects.all(),
        required=False,
        help_text="The blog's slug; taken from the entry when left out.",
    )
    image_detail = ImageSerializer(source="image", read_only=True)

    class Meta:
        model = Caption
        fields = ["id", "blog", "entry", "image", "image_detail", "text", "position"]

    def validate(self, attrs):
        entry = attrs.get("entry", getattr(self.instance, "entry", None))
        blog = attrs.get("blog", getattr(self.instance, "blog", None))
        if blog is None and entry is None:
            raise serializers.ValidationError({"blog": ["Give the blog, the entry, or both."]})
        if blog is None:
            attrs["blog"] = blog = entry.blog
        caption = Caption(
            pk=getattr(self.instance, "pk", None),
            blog=blog,
            entry=entry,
            image=attrs.get("image", getattr(self.instance, "image", None)),
        )
        caption.clean()
        caption.validate_constraints()
        return attrs
