"""A blog's team through the API: /api/blogs/<slug>/members/[<username>/].

Team members and newsroom editors read the team; those who may manage it (blog admins,
superusers) add members, change roles and remove members. The user is named by username.
"""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission

from liveblog import history
from liveblog.api.base import ApiView
from liveblog.api.permissions import blogs_for
from liveblog.api.serializers import RecordedSerializer, SlugRelatedField
from liveblog.models import Blog
from liveblog.teams import rules
from liveblog.teams.models import Membership

USERNAME = r"[\w.@+-]+"


class MemberSerializer(RecordedSerializer):
    user = SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="The member's username (an active account).",
    )
    name = serializers.SerializerMethodField(help_text="The member's full name.")

    class Meta:
        model = Membership
        fields = ["user", "name", "role", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "role": {
                "help_text": "contributor (writes and submits entries), editor (publishes, "
                "schedules, pins, edits anyone's entries) or admin (also manages the team "
                "and the blog's settings)."
            }
        }

    def get_name(self, membership) -> str:
        return membership.user.get_full_name() or membership.user.get_username()

    def validate_user(self, user):
        if self.instance is not None and user != self.instance.user:
            raise serializers.ValidationError(
                _("A membership's user does not change: remove it and add the other user.")
            )
        blog = self.context["blog"]
        if self.instance is None and blog.memberships.filter(user=user).exists():
            raise serializers.ValidationError(
                _("%(user)s is on this blog's team already: change their role instead.")
                % {"user": user.get_username()}
            )
        return user


class TeamPermission(BasePermission):
    """Signed-in callers only; the team is read by its members and the newsroom's editors, and
    changed by those who may manage it (liveblog.teams.rules)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        blog = view.blog
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return rules.role_on(user, blog) is not None or rules.everywhere(
                user, rules.Action.SEE_DRAFTS
            )
        return rules.may(user, rules.Action.MANAGE_TEAM, blog)


@extend_schema_view(
    list=extend_schema(summary="A blog's team: members and their roles"),
    create=extend_schema(summary="Add a member to the blog's team (blog admins)"),
    partial_update=extend_schema(summary="Change a member's role (blog admins)"),
    destroy=extend_schema(summary="Remove a member from the team (blog admins)"),
)
class MemberViewSet(ApiView, viewsets.ModelViewSet):
    serializer_class = MemberSerializer
    permission_classes = [TeamPermission]
    lookup_field = "user__username"
    lookup_url_kwarg = "username"
    lookup_value_regex = USERNAME
    filterset_class = None

    @cached_property
    def blog(self) -> Blog:
        return get_object_or_404(blogs_for(self.request), slug=self.kwargs["blog_slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return Membership.objects.for_blog(self.blog).select_related("user")

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["blog"] = self.blog
        return context

    def perform_create(self, serializer):
        serializer.save(blog=self.blog)

    def perform_destroy(self, membership):
        membership._change_reason = history.sentence(["removed from the team"], "API")
        membership.delete()

    def location(self, data) -> str:
        return reverse(
            "api:blog-members-detail",
            kwargs={"blog_slug": self.blog.slug, "username": data["user"]},
        )
