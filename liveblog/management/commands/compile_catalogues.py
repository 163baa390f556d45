"""Build the project's compiled catalogues (locale/*/LC_MESSAGES/*.mo) from their .po files.

With GNU gettext installed (Debian's `gettext`, as CI has it) this is Django's compilemessages,
which checks every format string. Without it (a laptop that lacks msgfmt) polib writes the same
.mo files, so `make serve` still shows translated pages.
"""

import shutil
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Folders of the checkout whose "locale" directories are not ours (a virtualenv's packages).
IGNORED = [".venv", "venv", "node_modules", ".git", "staticfiles", "media", "artifacts"]


class Command(BaseCommand):
    help = "Compile the project's translation catalogues (.po -> .mo)."

    def handle(self, *args, **options):
        if shutil.which("msgfmt"):
            call_command("compilemessages", ignore_patterns=IGNORED, verbosity=0)
            how = "msgfmt"
        else:
            for po_path in catalogues():
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            how = "polib (msgfmt not installed)"
        count = len(catalogues())
        self.stdout.write(f"Compiled {count} catalogue{'s' if count != 1 else ''} with {how}.")


def catalogues() -> list[Path]:
    return sorted(po for folder in settings.LOCALE_PATHS for po in Path(folder).rglob("*.po"))
