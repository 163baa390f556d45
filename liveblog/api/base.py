"""What every API view shares (liveblog.api.views, and the teams' and distribution's API): responses
that depend on who asks and in which format, one conditional path (liveblog.freshness), the
refusal of fields a role may not write, and what a blog's or an entry's representation reads."""

from django.db.models import Prefetch
from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.decorators import classonlymethod
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import ValidationError

from liveblog import freshness
from liveblog.api.errors import Forbidden, PreconditionFailed
from liveblog.models import Caption, Entry
from liveblog.public_reads import public_read
from liveblog.teams import rules

# Representations depend on the caller (drafts for editors) and on how they are rendered.
VARY = ("Accept", "Authorization", "Cookie")


class ApiView:
    """What every API view shares: responses depend on who asks and in which format.

    Anonymous reads are answered before the middleware of signed-in users (public_reads): DRF
    itself authenticates (nobody, without a session cookie or credentials), scopes, throttles
    and negotiates what it sends; the language is negotiated as LocaleMiddleware would."""

    @classonlymethod
    def as_view(cls, *args, **initkwargs):
        return public_read(super().as_view(*args, **initkwargs))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Every parameter takes one value (the schema says so); given twice, all but the last
        # would be dropped without a word.
        repeated = [name for name, values in request.query_params.lists() if len(values) > 1]
        if repeated:
            raise ValidationError({name: ["Give this parameter once."] for name in repeated})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, VARY)
        return response

    def get_success_headers(self, data) -> dict:
        # DRF would take Location from the `url` field, which is the reader page: name the
        # created API resource instead.
        return {"Location": self.request.build_absolute_uri(self.location(data))}

    def location(self, data) -> str:
        return reverse(f"api:{self.basename}-detail", kwargs={self.lookup_field: data["id"]})

    def conditional(self, *, etag: str, last_modified, build, keep=None):
        """freshness.respond(): 304 or the kept copy when it can. Answers for everyone may be
        kept briefly and revalidated; a signed-in caller's are private and never stored. A
        failed If-Match on a read is a 412 in the API's error shape."""
        anonymous = freshness.is_anonymous_read(self.request)
        policy = freshness.API if anonymous else freshness.PRIVATE
        validators = freshness.Validators(etag, last_modified, policy)
        response = freshness.respond(self.request, validators, build, keep=keep)
        if response.status_code == 412:
            raise PreconditionFailed()
        return response

    def scope(self) -> tuple:
        """Who is asking and how the answer is rendered: part of every ETag."""
        user = self.request.user
        return (
            self.request.accepted_renderer.format,
            self.request.version,
            user.pk if user.is_authenticated else 0,
        )


def refuse_fields(request, blog, changes: dict, entry: Entry | None = None) -> None:
    """403 naming the fields the caller's role does not let them write (liveblog.teams.rules):
    a contributor asking to publish, pin or label."""
    if refused := rules.refused_fields(request.user, blog, changes, entry):
        raise Forbidden(rules.refusal(refused), refused)


@csrf_exempt
def not_found(request, *args, **kwargs) -> JsonResponse:
    body = {"status": 404, "code": "not_found", "detail": "No such API address.", "errors": {}}
    return JsonResponse(body, status=404)


def with_state(blogs):
    """Blogs with what their state needs (whether entries fell due: freshness); their counts
    are the blog's own, kept by the change log."""
    return freshness.with_overdue(blogs)


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
