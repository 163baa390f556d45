"""The team on the blog's admin page (an inline), and every team at once for superusers."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from liveblog import history
from liveblog.teams import rules
from liveblog.teams.models import Membership


class UsernameField(forms.ModelChoiceField):
    """A user typed by username, as the API names them (no list of every account)."""

    default_error_messages = {
        "invalid_choice": _("No active account has this username."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True))
        kwargs.setdefault("to_field_name", "username")
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "size": 20}))
        super().__init__(**kwargs)

    def label_from_instance(self, user) -> str:
        return user.get_username()


class MembershipForm(forms.ModelForm):
    user = UsernameField(label=_("username"))

    class Meta:
        model = Membership
        fields = ["user", "role"]


class MembershipInline(admin.TabularInline):
    """The blog's team: blog admins (and superusers) add, change and remove members; the
    team's other members see it."""

    model = Membership
    form = MembershipForm
    fields = ["user", "member_name", "role"]
    readonly_fields = ["member_name"]
    extra = 0
    verbose_name = _("team member")
    verbose_name_plural = _(
        "team: contributors write and submit, editors publish, blog admins also manage the team"
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description=_("name"))
    def member_name(self, membership: Membership) -> str:
        if not membership.user_id:
            return "—"
        return membership.user.get_full_name() or "—"

    def manages(self, request, blog) -> bool:
        return blog is not None and rules.may(request.user, rules.Action.MANAGE_TEAM, blog)

    def has_view_permission(self, request, obj=None) -> bool:
        user = request.user
        if obj is None:
            # Asked without the blog when the rows are read (the blog's page decided already).
            return bool(rules.roles_of(user)) or rules.everywhere(user, rules.Action.SEE_DRAFTS)
        return (
            rules.role_on(user, obj) is not None
            or rules.everywhere(user, rules.Action.SEE_DRAFTS)
            or self.manages(request, obj)
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return self.manages(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.manages(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.manages(request, obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Every team at once: who works where (newsroom-wide, model permissions)."""

    form = MembershipForm
    list_display = ["user", "blog", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "blog"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "blog__title"]
    autocomplete_fields = ["blog"]
    fields = ["blog", "user", "role"]

    def save_model(self, request, obj, form, change) -> None:
        obj._change_reason = history.object_reason(
            Membership, created=not change, changed=form.changed_data, where="admin"
        )
        super().save_model(request, obj, form, change)
