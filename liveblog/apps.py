from django.apps import AppConfig


class LiveblogConfig(AppConfig):
    name = "liveblog"
    verbose_name = "Live blogs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from liveblog import freshness, signals  # noqa: F401  (connect their receivers)
