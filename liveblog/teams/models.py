"""A blog's team: its members and their roles (the rights each role has live in `rules`)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    CONTRIBUTOR = "contributor", _("Contributor")
    EDITOR = "editor", _("Editor")
    ADMIN = "admin", _("Blog admin")


class MembershipQuerySet(models.QuerySet):
    def for_blog(self, blog):
        return self.filter(blog=blog)

    def of_user(self, user):
        return self.filter(user=user)


class Membership(models.Model):
    """One user's role on one blog."""

    blog = models.ForeignKey(
        "liveblog.Blog",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("blog"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="blog_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(
        _("role"),
        max_length=12,
        choices=Role.choices,
        default=Role.CONTRIBUTOR,
        help_text=_(
            "Contributors write entries and submit them; editors publish, schedule, pin and "
            "edit anyone's entries; blog admins also manage the team and the blog's settings."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["blog", "role", "user__username"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            # One role per person per blog. Its index also serves a blog's team list.
            models.UniqueConstraint(fields=["blog", "user"], name="membership_one_per_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        # A user's roles on every blog, read once per request (rules.roles_of), use the index
        # Django makes for the user foreign key.

    def __str__(self) -> str:
        return f"{self.user.get_username()}: {self.get_role_display()} of {self.blog}"

    def save(self, *args, **kwargs):
        """Save the role; a new member may sign in to the admin and the live desk (staff
        status, which alone shows nothing readers do not see). The blog's desks learn of it
        (its editors' state moves), since what they offer depends on the role."""
        from liveblog.models import Blog

        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            get_user_model().objects.filter(pk=self.user_id, is_staff=False).update(is_staff=True)
            Blog.objects.touch_state(self.blog_id)

    def delete(self, *args, **kwargs):
        from liveblog.models import Blog

        with transaction.atomic(using=kwargs.get("using")):
            result = super().delete(*args, **kwargs)
            Blog.objects.touch_state(self.blog_id)
        return result
