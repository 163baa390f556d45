import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liveblog.importers.loader import (
    REFUSE,
    RENAME,
    REPLACE,
    ImportFileError,
    Tally,
    import_file,
    seed_files,
)
from liveblog.models import Blog
from liveblog.signals import optimize_sqlite

PROGRESS_BAR_MIN_FILES = 20


class Command(BaseCommand):
    help = (
        "Import scraped live-blog text files (formats A and B), exported JSON documents and "
        "backup bundles (.zip). With no paths, imports every seed in settings.LIVEBLOG_SEEDS_DIR. "
        "Each file is one transaction; unchanged text files are skipped by their content hash."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", type=Path, help="Files or folders (default: seeds/)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; write nothing."
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace content editors changed since the last import (reported as such).",
        )
        # A document is restored by its natural keys, never by the ids it carries: the blog
        # is the one imported from the same source file; any other blog at its address
        # (slug) is not overwritten unless asked.
        taken = parser.add_mutually_exclusive_group()
        taken.add_argument(
            "--replace",
            action="store_const",
            const=REPLACE,
            dest="slug_taken",
            help="A JSON document or backup whose address (slug) is another blog's here "
            "replaces that blog: its fields, entries and pictures become the document's, "
            "editors' changes included. Without --replace or --rename such a document is "
            "refused, naming the blog.",
        )
        taken.add_argument(
            "--rename",
            action="store_const",
            const=RENAME,
            dest="slug_taken",
            help="Such a document becomes a new blog beside the other, at the first free "
            "address of the form <slug>-2, <slug>-3, ... (printed).",
        )

    def handle(self, *args, paths, dry_run, overwrite, verbosity, slug_taken=None, **options):
        try:
            files = seed_files(paths or [settings.LIVEBLOG_SEEDS_DIR])
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        known_hashes = dict(
            Blog.objects.exclude(source_name="").values_list("source_name", "source_hash")
        )
        show_bar = sys.stderr.isatty() and len(files) >= PROGRESS_BAR_MIN_FILES and verbosity < 2
        total, failures, skipped, warnings = Tally(), [], 0, []
        for number, path in enumerate(files, start=1):
            try:
                result = import_file(
                    path,
                    overwrite=overwrite,
                    dry_run=dry_run,
                    known_hashes=known_hashes,
                    slug_taken=slug_taken or REFUSE,
                )
            except ImportFileError as error:
                failures.append(str(error))
                self.stderr.write(str(error))
                continue
            except Exception as error:
                # A defect, not bad input: still reported as file: reason, and the folder goes on.
                if options.get("traceback"):
                    raise
                failures.append(f"{path}: could not be imported ({type(error).__name__}: {error})")
                self.stderr.write(f"{failures[-1]} (run with --traceback for the details)")
                continue
            total += result.tally
            skipped += result.skipped
            warnings += result.warnings
            if verbosity >= 1 and not show_bar:
                self._report_file(result)
            if show_bar:
                self._progress(number, len(files))
        if show_bar:
            sys.stderr.write("\n")
            # The bar hid the files' lines: their warnings come here.
            for warning in warnings if verbosity >= 1 else []:
                self.stdout.write(f"  {warning}")
        optimize_sqlite(force=True)  # the planner's statistics follow what was written
        prefix = "Dry run, nothing written: " if dry_run else ""
        if verbosity >= 1:
            self.stdout.write(
                f"{prefix}{len(files)} files, {skipped} unchanged (skipped by hash), "
                f"{len(failures)} failed, {len(warnings)} warnings. Total: {total.summary()}"
            )
        if failures:
            raise CommandError(f"{len(failures)} of {len(files)} files failed to import")

    def _report_file(self, result):
        state = "unchanged (skipped by hash)" if result.skipped else result.tally.summary()
        self.stdout.write(f"{result.path}: {', '.join(result.blogs)}: {state}")
        for note in result.tally.notes:
            self.stdout.write(f"  {note}")
        for warning in result.warnings:
            self.stdout.write(f"  {warning}")

    def _progress(self, done, total, width=40):
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        sys.stderr.flush()
