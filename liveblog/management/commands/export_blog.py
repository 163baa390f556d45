import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liveblog.importers.export import blogs_for_export, export_blog
from liveblog.models import Blog


class Command(BaseCommand):
    help = "Export blogs as the JSON document of SEED_FORMAT.md (import_seeds reads it back)."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="The blog to export.")
        parser.add_argument("--all", action="store_true", help="Export every blog, as a list.")
        parser.add_argument("-o", "--output", type=Path, help="Write to this file, not stdout.")

    def handle(self, *args, slug, all, output, **options):
        if bool(slug) == bool(all):
            raise CommandError("give one blog slug, or --all")
        if all:
            document = [export_blog(blog) for blog in blogs_for_export()]
        else:
            blog = blogs_for_export(Blog.objects.filter(slug=slug)).first()
            if blog is None:
                raise CommandError(f"no blog with slug {slug!r}")
            document = export_blog(blog)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output:
            output.write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")
