"""API views: viewsets over the QuerySet methods and verbs of liveblog.models, scoped by the
caller; validators and preconditions come from liveblog.freshness."""

from django.db import transaction
from django.db.models import Prefetch, ProtectedError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from liveblog import freshness, stream
from liveblog.api.base import (
    ApiView,
    entry_prefetches,
    hero_prefetch,
    refuse_fields,
    with_state,
)
from liveblog.api.errors import Conflict, Forbidden, PreconditionFailed, PreconditionRequired
from liveblog.api.filters import BlogFilter, CaptionFilter, EntryFilter, ImageFilter
from liveblog.api.pagination import EntryCursorPagination, is_whole_number
from liveblog.api.parsers import JSONParser
from liveblog.api.permissions import (
    BlogEntryPermissions,
    BlogPermissions,
    CaptionPermissions,
    EntryPermissions,
    ImagePermissions,
    blogs_for,
    captions_for,
    entries_for,
    images_for,
)
from liveblog.api.serializers import (
    BlogSerializer,
    CaptionSerializer,
    EntrySerializer,
    ImageSerializer,
)
from liveblog.models import Blog, Entry
from liveblog.teams import rules

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The entry's ETag as last read, quoted (strong comparison), or `*`. Missing: "
    "428; not a list of quoted entity tags: 400; another version: 412.",
)
SINCE = OpenApiParameter(
    "since",
    {"type": "integer", "minimum": 0},
    OpenApiParameter.QUERY,
    description="Change feed: only entries changed after this blog revision (the `since` of the "
    "previous answer), oldest change first, plus the ids of entries removed or unpublished "
    "since in `removed`. Scheduled entries arrive when they fall due. Ignores `cursor`. A "
    "revision ahead of the blog's is a 400.",
)


@extend_schema_view(
    list=extend_schema(summary="Blogs, most recently changed first"),
    retrieve=extend_schema(summary="A blog with its key points, intro, hero and counts"),
)
class BlogViewSet(ApiView, viewsets.ModelViewSet):
    serializer_class = BlogSerializer
    filterset_class = BlogFilter
    permission_classes = [BlogPermissions]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    conditional_get = {"list", "retrieve"}

    def get_queryset(self):
        # The translations' slugs: one more query for the page of blogs.
        translations = Prefetch("translations", queryset=Blog.objects.only("id", "slug"))
        return with_state(blogs_for(self.request)).prefetch_related(hero_prefetch(), translations)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        marker = freshness.blogs_marker(blogs_for(request))
        return self.conditional(
            etag=freshness.digest_etag("blogs", self.scope(), marker, request.get_full_path()),
            last_modified=marker[3],
            build=lambda: self.page(queryset),
        )

    def page(self, queryset):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        blog = self.get_object()
        state = freshness.state_of(blog)
        return self.conditional(
            etag=freshness.digest_etag("blog", self.scope(), *state),
            last_modified=state.last_modified,
            build=lambda: Response(self.get_serializer(blog).data),
        )

    def location(self, data) -> str:
        return reverse("api:blog-detail", kwargs={"slug": data["slug"]})


@extend_schema_view(
    list=extend_schema(
        summary="A blog's entries, newest first, or what changed since a revision",
        parameters=[SINCE],
    ),
    create=extend_schema(summary="Add an entry to the blog (body as markup)"),
)
class BlogEntryViewSet(
    ApiView, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    pagination_class = EntryCursorPagination
    permission_classes = [BlogEntryPermissions]
    conditional_get = {"list"}
    etag_on_create = True

    @cached_property
    def blog(self) -> Blog:
        blogs = with_state(blogs_for(self.request))
        return get_object_or_404(blogs, slug=self.kwargs["blog_slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Entry.objects.none()
        blog_id = self.public_state.pk if self.public_state else self.blog.pk
        return entry_prefetches(entries_for(self.request).filter(blog_id=blog_id))

    @cached_property
    def requested_since(self) -> int | None:
        raw = self.request.query_params.get("since")
        if not raw:
            return None
        if not is_whole_number(raw) or len(raw) > 18:
            raise ValidationError({"since": ["Give the `since` value of an earlier answer."]})
        return int(raw)

    @cached_property
    def public_state(self) -> freshness.BlogState | None:
        """For anonymous reads: the public blog's state, without loading the blog (the answer
        itself usually comes from the cache). A `since` another server handed out is never
        behind it (freshness.recent_state's at_least)."""
        if not freshness.is_anonymous_read(self.request):
            return None
        at_least = self.requested_since or 0
        return freshness.recent_state(self.kwargs["blog_slug"], at_least=at_least)

    def list(self, request, *args, **kwargs):
        if (state := self.public_state) is not None:
            etag = freshness.digest_etag("entries", self.scope(), *state)
            keep = ("api-entries", *state, *self.scope(), request.get_full_path())
        else:
            state = freshness.state_of(self.blog)
            # Editors also see drafts, whose edits move no revision but the state's version.
            etag = freshness.digest_etag("entries", self.scope(), *state, self.blog.state_version)
            keep = None
        since = self.checked_since(state)

        def build():
            queryset = self.filter_queryset(self.get_queryset())
            response = Response(self.data(queryset, since, state))
            if keep is not None:  # kept rendered, as DRF would send it
                response = self.finalize_response(self.request, response)
                response.render()
            return response

        return self.conditional(
            etag=etag, last_modified=state.last_modified, build=build, keep=keep
        )

    def checked_since(self, state) -> int | None:
        """The `since` asked for, refused if no answer of this blog could have given it."""
        since = self.requested_since
        if since is not None and since > state.revision:
            raise ValidationError(
                {"since": ["No answer gave this revision: list the entries again without since."]}
            )
        return since

    def data(self, queryset, since: int | None, state: freshness.BlogState) -> dict:
        if since is None:
            return self.page(queryset, state).data
        return self.feed(queryset, since, state).data

    def page(self, queryset, state: freshness.BlogState):
        page = self.paginate_queryset(queryset)
        data = self.get_serializer(page, many=True).data
        return self.paginator.get_paginated_response(data, since=state.revision)

    def feed(self, queryset, since: int, state: freshness.BlogState):
        """What changed in (since, blog revision], at most a page of changes (stream.changes):
        the changed entries the caller's filters match, newest first, and the rest removed.
        Queries: the changes, then the shown entries with their prefetches."""
        limit = self.paginator.get_page_size(self.request)
        found = stream.changes(state.pk, since, state.revision, limit=limit, entries=queryset)
        entries = sorted(found.entries, key=lambda entry: (entry.sort_key, entry.id), reverse=True)
        url = remove_query_param(self.request.build_absolute_uri(), "cursor")
        return EntryCursorPagination.feed_response(
            self.get_serializer(entries, many=True).data,
            next_url=replace_query_param(url, "since", found.until),
            previous_url=None,
            since=found.until,
            removed=found.removed,
            has_more=found.has_more,
        )

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response["ETag"] = freshness.entry_etag(response.data.serializer.instance)
        return response

    def perform_create(self, serializer):
        refuse_fields(self.request, self.blog, serializer.validated_data)
        with transaction.atomic():
            entry = serializer.save(blog=self.blog)
            entry.authors.add(self.request.user)

    def location(self, data) -> str:
        return reverse("api:entry-detail", kwargs={"pk": data["id"]})


@extend_schema_view(
    retrieve=extend_schema(summary="An entry with its blocks, images and corrections"),
    update=extend_schema(summary="Replace an entry", parameters=[IF_MATCH]),
    partial_update=extend_schema(summary="Change some of an entry's fields", parameters=[IF_MATCH]),
    destroy=extend_schema(
        summary="Delete an entry (pollers see it in `removed`)", parameters=[IF_MATCH]
    ),
)
class EntryViewSet(
    ApiView,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EntrySerializer
    permission_classes = [EntryPermissions]
    lookup_value_regex = r"[0-9]+"
    conditional_get = {"retrieve"}
    if_match = True

    def get_queryset(self):
        return entry_prefetches(entries_for(self.request))

    def retrieve(self, request, *args, **kwargs):
        entry = self.get_object()
        return self.conditional(
            etag=freshness.entry_etag(entry),
            last_modified=entry.updated_at,
            build=lambda: Response(self.get_serializer(entry).data),
        )

    def locked_entry(self) -> Entry:
        """The entry to write, read afresh under its blog's lock, once If-Match names it."""
        entry = self.get_object()
        Blog.objects.lock(entry.blog_id)
        try:
            entry.refresh_from_db()
        except Entry.DoesNotExist:
            # Deleted between being found and the lock: gone, whatever If-Match says.
            raise Http404 from None
        refused = freshness.write_precondition(self.request, freshness.entry_etag(entry))
        if refused == freshness.PRECONDITION_REQUIRED:
            raise PreconditionRequired()
        if refused == freshness.MALFORMED:
            raise ValidationError(
                {"If-Match": ["Give the entry's ETag as read, in quotes (or *)."]}
            )
        if refused:
            raise PreconditionFailed()
        return entry

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            entry = self.locked_entry()
            serializer = self.get_serializer(entry, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            changes = serializer.validated_data
            refuse_fields(request, entry.blog_id, changes, entry)
            self.perform_update(serializer)
        entry = entry_prefetches(Entry.objects.all()).get(pk=entry.pk)
        response = Response(self.get_serializer(entry).data)
        response["ETag"] = freshness.entry_etag(entry)
        return response

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self.locked_entry().delete()
        return Response(status=204)


@extend_schema_view(
    list=extend_schema(summary="Images, newest first"),
    create=extend_schema(summary="Upload an image (multipart, field `file`)"),
)
class ImageViewSet(ApiView, viewsets.ModelViewSet):
    serializer_class = ImageSerializer
    filterset_class = ImageFilter
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    permission_classes = [ImagePermissions]
    lookup_value_regex = r"[0-9]+"
    conditional_get = {"retrieve"}
    protected_delete = True

    def get_queryset(self):
        return images_for(self.request)

    def perform_create(self, serializer):
        serializer.save(uploaded_by=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        image = self.get_object()
        return self.conditional(
            etag=freshness.digest_etag("image", self.scope(), image.pk, image.updated_at),
            last_modified=image.updated_at,
            build=lambda: Response(self.get_serializer(image).data),
        )

    def perform_destroy(self, image):
        try:
            image.delete()
        except ProtectedError:
            raise Conflict(
                "The image is placed in a blog or entry; delete those captions first."
            ) from None


@extend_schema_view(list=extend_schema(summary="Captions: images placed in entries, or heroes"))
class CaptionViewSet(ApiView, viewsets.ModelViewSet):
    serializer_class = CaptionSerializer
    filterset_class = CaptionFilter
    permission_classes = [CaptionPermissions]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return captions_for(self.request).select_related("blog", "image")

    def perform_create(self, serializer):
        self.check_target(serializer)
        serializer.save()

    def perform_update(self, serializer):
        self.check_target(serializer)
        serializer.save()

    def check_target(self, serializer) -> None:
        data, caption = serializer.validated_data, serializer.instance
        entry = data["entry"] if "entry" in data else getattr(caption, "entry", None)
        blog = data["blog"] if "blog" in data else caption.blog
        if not rules.may_place_picture(self.request.user, blog=blog.pk, entry=entry):
            raise Forbidden(_("You may not change that entry or blog."), ["entry"])
