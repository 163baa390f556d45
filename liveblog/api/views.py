"""API views: viewsets over the QuerySet methods in liveblog.models, scoped by the caller."""

from django.db import transaction
from django.db.models import Count, Max, OuterRef, Prefetch, ProtectedError, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from liveblog.api import conditional, throttling
from liveblog.api.errors import Conflict, PreconditionFailed
from liveblog.api.filters import BlogFilter, CaptionFilter, EntryFilter, ImageFilter
from liveblog.api.pagination import EntryCursorPagination, is_whole_number
from liveblog.api.parsers import JSONParser
from liveblog.api.permissions import blogs_for, captions_for, entries_for, images_for
from liveblog.api.serializers import (
    BlogSerializer,
    CaptionSerializer,
    EntrySerializer,
    ImageSerializer,
)
from liveblog.caching import cache_blog_response
from liveblog.models import Blog, BlogStatus, Caption, Entry, EntryRemoval

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The entry's ETag as last read; the change is refused with 412 if it moved on.",
)
SINCE = OpenApiParameter(
    "since",
    {"type": "integer", "minimum": 0},
    OpenApiParameter.QUERY,
    description="Change feed: only entries changed after this blog revision (the `since` of the "
    "previous answer), oldest change first, plus the ids of entries removed or unpublished "
    "since in `removed`. Ignores `cursor`. A revision ahead of the blog's is a 400.",
)


class ApiView:
    """What every API view shares: responses depend on who asks and in which format."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Every parameter takes one value (the schema says so); given twice, all but the last
        # would be dropped without a word.
        repeated = [name for name, values in request.query_params.lists() if len(values) > 1]
        if repeated:
            raise ValidationError({name: ["Give this parameter once."] for name in repeated})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, conditional.VARY)
        return response

    def get_success_headers(self, data) -> dict:
        # DRF would take Location from the `url` field, which is the reader page: name the
        # created API resource instead.
        return {"Location": self.request.build_absolute_uri(self.location(data))}

    def location(self, data) -> str:
        return reverse(f"api:{self.basename}-detail", kwargs={self.lookup_field: data["id"]})


@csrf_exempt
def not_found(request, *args, **kwargs) -> JsonResponse:
    body = {"status": 404, "code": "not_found", "detail": "No such API address.", "errors": {}}
    return JsonResponse(body, status=404)


def with_counts(blogs):
    """Annotate reader counts and the newest due publication time (three subqueries)."""
    published = Entry.objects.published().filter(blog=OuterRef("pk")).order_by().values("blog")
    return blogs.annotate(
        entry_count=Coalesce(Subquery(published.annotate(n=Count("pk")).values("n")), 0),
        key_event_count=Coalesce(
            Subquery(published.filter(is_key_event=True).annotate(n=Count("pk")).values("n")), 0
        ),
        # A scheduled entry appearing changes no revision, so validators watch this too.
        latest_published_at=Subquery(published.annotate(t=Max("published_at")).values("t")),
    )


def hero_prefetch() -> Prefetch:
    heroes = Caption.objects.filter(entry__isnull=True).select_related("image")
    return Prefetch("captions", queryset=heroes, to_attr="hero_captions")


def entry_prefetches(queryset):
    """Everything an entry's representation reads, in three extra queries per page."""
    return queryset.select_related("blog").prefetch_related(
        Prefetch("captions", queryset=Caption.objects.select_related("image")),
        "corrections",
        "authors",
    )


def last_change(*moments):
    return max((moment for moment in moments if moment is not None), default=None)


def record_status(blog: Blog, previous: str | None) -> None:
    """After an API write: run the status verb if the status moved, else just bump the revision."""
    if blog.status != previous and blog.status == BlogStatus.LIVE:
        blog.go_live()
    elif blog.status != previous and blog.status == BlogStatus.CLOSED:
        blog.close()
    else:
        blog.bump_revision()


@extend_schema_view(
    list=extend_schema(summary="Blogs, most recently changed first"),
    retrieve=extend_schema(summary="A blog with its key points, intro, hero and counts"),
)
class BlogViewSet(ApiView, viewsets.ModelViewSet):
    serializer_class = BlogSerializer
    filterset_class = BlogFilter
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    conditional_get = {"list", "retrieve"}

    def get_queryset(self):
        return with_counts(blogs_for(self.request)).prefetch_related(hero_prefetch())

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        blogs = (
            blogs_for(request)
            .order_by()
            .aggregate(
                n=Count("pk"),
                ids=Sum("pk"),
                revisions=Sum("revision"),
                changed=Max("changed_at"),
                updated=Max("updated_at"),
            )
        )
        entries = (
            Entry.objects.published()
            .order_by()
            .aggregate(n=Count("pk"), latest=Max("published_at"))
        )
        return conditional.respond(
            request,
            etag=conditional.make_etag(request, blogs, entries, request.get_full_path()),
            last_modified=last_change(blogs["changed"], blogs["updated"], entries["latest"]),
            build=lambda: self.page(queryset),
        )

    def page(self, queryset):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        blog = self.get_object()
        return conditional.respond(
            request,
            etag=conditional.make_etag(request, *self.fingerprint(blog)),
            last_modified=last_change(blog.changed_at, blog.updated_at, blog.latest_published_at),
            build=lambda: Response(self.get_serializer(blog).data),
        )

    @staticmethod
    def fingerprint(blog) -> list:
        return [
            blog.pk,
            blog.revision,
            blog.updated_at,
            blog.entry_count,
            blog.latest_published_at,
        ]

    def location(self, data) -> str:
        return reverse("api:blog-detail", kwargs={"slug": data["slug"]})

    def perform_create(self, serializer):
        record_status(serializer.save(), previous=None)

    def perform_update(self, serializer):
        previous = serializer.instance.status
        record_status(serializer.save(), previous=previous)


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
    conditional_get = {"list"}
    etag_on_create = True

    def dispatch(self, request, *args, **kwargs):
        if throttling.count_before_cache(request, self):
            return self.cached_dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    # Anonymous reads are served from the cache, keyed on the blog's revision (liveblog.caching).
    @method_decorator(cache_blog_response("api-entries", slug_kwarg="blog_slug"))
    def cached_dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def blog(self) -> Blog:
        blogs = with_counts(blogs_for(self.request))
        return get_object_or_404(blogs, slug=self.kwargs["blog_slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Entry.objects.none()
        return entry_prefetches(entries_for(self.request).for_blog(self.blog))

    def list(self, request, *args, **kwargs):
        since = self.since()
        queryset = self.filter_queryset(self.get_queryset())
        blog = self.blog
        return conditional.respond(
            request,
            etag=conditional.make_etag(
                request, *BlogViewSet.fingerprint(blog), request.get_full_path()
            ),
            last_modified=last_change(blog.changed_at, blog.updated_at, blog.latest_published_at),
            build=lambda: self.page(queryset) if since is None else self.feed(queryset, since),
        )

    def since(self) -> int | None:
        raw = self.request.query_params.get("since")
        if not raw:
            return None
        if not is_whole_number(raw):
            raise ValidationError({"since": ["Give the `since` value of an earlier answer."]})
        since = int(raw)
        if since > self.blog.revision:
            raise ValidationError(
                {"since": ["Ahead of this blog's revision: list the entries again without since."]}
            )
        return since

    def page(self, queryset):
        page = self.paginate_queryset(queryset)
        data = self.get_serializer(page, many=True).data
        return self.paginator.get_paginated_response(data, since=self.blog.revision)

    def feed(self, queryset, since: int):
        """Changes in (since, blog revision], oldest first, at most a page of them.

        Revisions are unique within a blog (every change takes the next one), so the revision of
        the last change returned is an exact cursor. Queries: changed ids, shown ids, removals,
        then the shown entries with their prefetches.
        """
        upto = self.blog.revision
        limit = self.paginator.get_page_size(self.request)
        changed = Entry.objects.for_blog(self.blog).since(since).filter(revision__lte=upto)
        shown = set(queryset.since(since).filter(revision__lte=upto).values_list("pk", flat=True))
        removals = EntryRemoval.objects.filter(
            blog=self.blog, revision__gt=since, revision__lte=upto
        ).values_list("revision", "entry_id")
        events = sorted(
            [(revision, pk, pk in shown) for pk, revision in changed.values_list("pk", "revision")]
            + [(revision, pk, False) for revision, pk in removals]
        )
        taken, has_more = events[:limit], len(events) > limit
        cursor = taken[-1][0] if has_more else upto
        show = [pk for _, pk, is_shown in taken if is_shown]
        entries = queryset.filter(pk__in=show).order_by("-order", "-id") if show else []
        url = remove_query_param(self.request.build_absolute_uri(), "cursor")
        return EntryCursorPagination.feed_response(
            self.get_serializer(entries, many=True).data,
            next_url=replace_query_param(url, "since", cursor),
            previous_url=None,
            since=cursor,
            removed=[pk for _, pk, is_shown in taken if not is_shown],
            has_more=has_more,
        )

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response["ETag"] = entry_etag(response.data.serializer.instance)
        return response

    def perform_create(self, serializer):
        pin = serializer.validated_data.pop("is_pinned", False)
        with transaction.atomic():
            entry = serializer.save(blog=self.blog)
            entry.authors.add(self.request.user)
            if pin:
                entry.pin()

    def location(self, data) -> str:
        return reverse("api:entry-detail", kwargs={"pk": data["id"]})


def entry_etag(entry: Entry) -> str:
    return f'"entry-{entry.pk}-v{entry.version}"'


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
    lookup_value_regex = r"[0-9]+"
    conditional_get = {"retrieve"}
    if_match = True
    # The actions that run in a transaction (update, destroy) and lock the entry there.
    locking_actions = {"update", "partial_update", "destroy"}

    def get_queryset(self):
        queryset = entry_prefetches(entries_for(self.request))
        # Writers lock the row so the If-Match check and the save see the same version. By the
        # action, not the method: OPTIONS asks for the object as if for a PUT, outside any
        # transaction, where PostgreSQL refuses FOR UPDATE.
        if self.action in self.locking_actions:
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def retrieve(self, request, *args, **kwargs):
        entry = self.get_object()
        return conditional.respond(
            request,
            etag=entry_etag(entry),
            last_modified=last_change(entry.updated_at, entry.published_at),
            build=lambda: Response(self.get_serializer(entry).data),
        )

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            entry = self.get_object()
            if not conditional.matches(request, entry_etag(entry)):
                raise PreconditionFailed()
            serializer = self.get_serializer(entry, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
        entry = entry_prefetches(Entry.objects.all()).get(pk=entry.pk)
        response = Response(self.get_serializer(entry).data)
        response["ETag"] = entry_etag(entry)
        return response

    def perform_update(self, serializer):
        pin = serializer.validated_data.pop("is_pinned", None)
        entry = serializer.save()
        if pin and not entry.is_pinned:
            entry.pin()
        elif pin is False and entry.is_pinned:
            entry.unpin()

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            entry = self.get_object()
            if not conditional.matches(request, entry_etag(entry)):
                raise PreconditionFailed()
            entry.delete()
        return Response(status=204)


@extend_schema_view(
    list=extend_schema(summary="Images, newest first"),
    create=extend_schema(summary="Upload an image (multipart, field `file`)"),
)
class ImageViewSet(ApiView, viewsets.ModelViewSet):
    serializer_class = ImageSerializer
    filterset_class = ImageFilter
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    lookup_value_regex = r"[0-9]+"
    conditional_get = {"retrieve"}
    protected_delete = True

    def get_queryset(self):
        return images_for(self.request)

    def retrieve(self, request, *args, **kwargs):
        image = self.get_object()
        return conditional.respond(
            request,
            etag=conditional.make_etag(request, image.pk, image.updated_at),
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
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return captions_for(self.request).select_related("blog", "image")
