from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liveblog.importers.bundle import document_bytes
from liveblog.importers.export import Export, blogs_for_export, export_bundle
from liveblog.models import Blog


class Command(BaseCommand):
    help = (
        "Export blogs as the JSON document of SEED_FORMAT.md with everything editors set "
        "(import_seeds reads it back). With -o FILE.zip, a backup bundle: the JSON and the "
        "picture files."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="The blog to export.")
        parser.add_argument("--all", action="store_true", help="Export every blog, as a list.")
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="Write to this file, not stdout; a name ending in .zip writes a bundle.",
        )

    def handle(self, *args, slug, all, output, **options):
        if bool(slug) == bool(all):
            raise CommandError("give one blog slug, or --all")
        export = Export()
        if all:
            document = [export.blog(blog) for blog in blogs_for_export()]
        else:
            blog = blogs_for_export(Blog.objects.filter(slug=slug)).first()
            if blog is None:
                raise CommandError(f"no blog with slug {slug!r}")
            document = export.blog(blog)
        for name in export.missing:
            self.stderr.write(f"warning: picture file {name} is missing from the media storage")
        if output is None:
            self.stdout.write(document_bytes(document).decode(), ending="")
            return
        if output.suffix == ".zip":
            output.write_bytes(export_bundle(document, export))
            self.stderr.write(f"Wrote {output} ({len(export.files)} picture files)")
        else:
            output.write_bytes(document_bytes(document))
            if export.files:
                self.stderr.write(
                    f"Wrote {output}; its {len(export.files)} picture files are not in it "
                    "(write to a .zip to include them)"
                )
            else:
                self.stderr.write(f"Wrote {output}")
