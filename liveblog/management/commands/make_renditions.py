from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from liveblog import renditions
from liveblog.models import Image


class Command(BaseCommand):
    help = (
        "Make the resized copies of uploaded images that lack them (uploads make their own; "
        "this is for images stored before, or after a failed upload hook)."
    )

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="Only these images (by id).")
        parser.add_argument(
            "--force", action="store_true", help="Make them again even where they exist."
        )

    def handle(self, *args, ids, force, **options):
        images = Image.objects.exclude(file="").filter(width__isnull=False).order_by("pk")
        if ids:
            images = images.filter(pk__in=ids)
            missing = set(ids) - set(images.values_list("pk", flat=True))
            if missing:
                raise CommandError(
                    f"no uploaded picture with id {', '.join(map(str, sorted(missing)))}"
                )
        tally = Counter()
        failed = []
        for image in images.iterator():
            # One unreadable file or storage hiccup must not stop the rest.
            try:
                outcome = renditions.make_renditions(image, force=force)
                reason = "the original could not be read (see the log)"
            except Exception as error:
                outcome, reason = renditions.Outcome.FAILED, str(error)
            if outcome is renditions.Outcome.FAILED:
                failed.append(f"image {image.pk} ({image.file.name}): {reason}")
            tally[outcome] += 1
            if options["verbosity"] >= 2:
                self.stdout.write(f"image {image.pk}: {outcome}")
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(tally.items()))
        self.stdout.write(f"renditions: {summary or 'no uploaded pictures'}")
        if failed:
            raise CommandError("some renditions could not be made:\n" + "\n".join(failed))
