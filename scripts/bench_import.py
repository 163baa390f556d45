"""Import benchmark: synthetic blogs in both formats into a fresh SQLite database.

Prints entries/s and peak memory for the first import, then the re-import time and skip rate.
Runs itself once per file count in a fresh process, so peak memory per run can be compared:
memory should stay flat as the number of files grows.

    python scripts/bench_import.py                 # 200 and 1,000 files of 40 entries
    python scripts/bench_import.py --files 1000 --entries 40 --single
    python scripts/bench_import.py --long 50000    # one long blog per format: peak memory

`--long` imports one file of that many entries in each format with `manage.py import_seeds` and
the default settings (the operator's path), then a changed copy of it (a word changed in about
one entry in seven), each in its own process, and prints wall time and that process's peak
RSS. Set DATABASE_URL to measure on PostgreSQL (the database is emptied first).
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "minister talks border troops ceasefire aid summit council vote strike drone city region "
    "officials said statement forces energy gas pipeline sanctions report agency capital"
).split()


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:]


def headline(rng: random.Random, n: int) -> str:
    return f"{sentence(rng, rng.randint(5, 10))} {n}"


def format_a(rng: random.Random, index: int, entries: int) -> str:
    lines = [f"Synthetic live blog {index}: {sentence(rng, 6)}", "", sentence(rng, 14) + ".", ""]
    lines += [f"Hero picture {index}", f"{sentence(rng, 10)} [File: Agency {index % 7}]", ""]
    lines += [sentence(rng, 25) + ".", "", "This live blog is now closed.", ""]
    for n in range(entries):
        lines += [headline(rng, n), ""]
        for _ in range(rng.randint(1, 3)):
            lines += [sentence(rng, rng.randint(15, 40)) + ".", ""]
        if n % 5 == 0:
            lines += [f"Picture {n % 11}", f"{sentence(rng, 8)} [Reuters]", ""]
        if n % 7 == 0:
            lines += ["  • " + sentence(rng, 8), "  • " + sentence(rng, 9), ""]
        if n % 6 == 0:
            lines += ["Read more here.", ""]
    lines.append("Source: Synthetic news agencies")
    return "\n".join(lines)


def format_b(rng: random.Random, index: int, entries: int) -> str:
    day = 1 + index % 28
    lines = [
        f" date 2025-02-{day:02d} Synthetic blog {index} {sentence(rng, 5)}"
        f"Published February {day}, 2025last updated February {day}, 2025",
        "What you need to know",
        *[f"- {sentence(rng, 12)}" for _ in range(3)],
        "Follow the latest news:",
    ]
    for n in range(entries):
        lines.append(headline(rng, n))
        lines += [sentence(rng, rng.randint(15, 40)) + "." for _ in range(rng.randint(2, 5))]
    return "\n".join(lines)


def generate(folder: Path, files: int, entries: int) -> None:
    rng = random.Random(42)
    for index in range(files):
        make = format_a if index % 2 == 0 else format_b
        (folder / f"bench_{index:05d}.txt").write_text(make(rng, index, entries), encoding="utf-8")


def single_run(files: int, entries: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="liveblog-bench-"))
    seeds = work / "seeds"
    seeds.mkdir()
    generate(seeds, files, entries)
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from liveblog.importers.loader import Tally, import_file, seed_files
    from liveblog.models import Blog, Entry

    call_command("migrate", verbosity=0)
    paths = seed_files([seeds])

    def run() -> tuple[float, Tally, int]:
        known = dict(Blog.objects.exclude(source_name="").values_list("source_name", "source_hash"))
        total, skipped = Tally(), 0
        start = time.perf_counter()
        for path in paths:
            result = import_file(path, known_hashes=known)
            total += result.tally
            skipped += result.skipped
        return time.perf_counter() - start, total, skipped

    first_seconds, tally, _ = run()
    created = tally.get("entries", "created")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    second_seconds, _, skipped = run()
    assert Entry.objects.count() == created
    print(
        f"files={files} entries={created} first import {first_seconds:.2f}s "
        f"= {created / first_seconds:,.0f} entries/s, peak RSS {peak_mb:.0f} MB; "
        f"re-import {second_seconds:.2f}s, skipped {skipped}/{files} "
        f"({100 * skipped / files:.0f}%), {first_seconds / second_seconds:.0f}x faster"
    )


def long_run(entries: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="liveblog-bench-long-"))
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database, "DJANGO_SETTINGS_MODULE": "config.settings"}
    manage = [sys.executable, str(ROOT / "manage.py")]

    def command(*args: str) -> tuple[float, float, str]:
        # A fresh process each: its peak RSS is this import's alone (time -f %M, in KB).
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *manage, *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - start
        peak_kb = float(done.stderr.strip().splitlines()[-1])
        return seconds, peak_kb / 1024, done.stdout.strip().splitlines()[-1]

    for name, make in (("A", format_a), ("B", format_b)):
        subprocess.run([*manage, "flush", "--noinput"], env=env, check=False, capture_output=True)
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        path = work / f"long_{name}.txt"
        text = make(random.Random(entries), 1, entries)
        path.write_text(text, encoding="utf-8")
        size = path.stat().st_size / 1e6
        seconds, peak, summary = command("import_seeds", str(path))
        print(
            f"format {name}, {entries:,} entries, {size:.1f} MB: first import {seconds:.1f} s, "
            f"peak RSS {peak:.0f} MB ({summary})"
        )
        path.write_text(text.replace(" ceasefire aid ", " ceasefire help "), encoding="utf-8")
        seconds, peak, summary = command("import_seeds", str(path))
        print(f"  changed copy re-imported in {seconds:.1f} s, peak RSS {peak:.0f} MB ({summary})")
    seconds, peak, _ = command("check")
    print(f"the same command doing nothing (manage.py check): peak RSS {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="*", default=[200, 1000])
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--single", action="store_true", help="one run in this process")
    parser.add_argument("--long", type=int, metavar="ENTRIES", help="one long blog per format")
    args = parser.parse_args()
    if args.long:
        long_run(args.long)
        return
    if args.single:
        single_run(args.files[0], args.entries)
        return
    for files in args.files:
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--single",
                "--files",
                str(files),
                "--entries",
                str(args.entries),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
