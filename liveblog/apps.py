from django.apps import AppConfig


class LiveblogConfig(AppConfig):
    name = "liveblog"
    verbose_name = "Live blogs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from liveblog import freshness, renditions, signals  # noqa: F401  (connect receivers)

        post_save.connect(
            renditions.make_after_commit,
            sender="liveblog.Image",
            dispatch_uid="liveblog_image_renditions",
        )
