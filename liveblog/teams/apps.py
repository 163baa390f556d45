from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "liveblog.teams"
    label = "teams"
    verbose_name = _("Blog teams")
    default_auto_field = "django.db.models.BigAutoField"
