from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "liveblog.distribution"
    label = "distribution"
    verbose_name = _("Distribution")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from liveblog.distribution import receivers  # noqa: F401  (connect receivers)
