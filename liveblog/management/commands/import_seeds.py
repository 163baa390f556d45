import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liveblog.importers.loader import ImportFileError, Tally, import_file, seed_files
from liveblog.models import Blog

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

    def handle(self, *args, paths, dry_run, overwrite, verbosity, **options):
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
                    path, overwrite=overwrite, dry_run=dry_run, known_hashes=known_hashes
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
