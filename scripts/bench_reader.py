"""Reader benchmark on hostile input: seconds per KB of read_bytes as the input grows.

Each input is a valid blog head and a payload that stresses one pattern or loop: one huge line,
many short lines, many brackets, and so on. A linear reader keeps ms/KB flat from 10 KB to 1 MB;
a super-linear one grows with the size. Each run is a fresh process with a time limit, so a
pathological case is reported as a timeout instead of hanging the benchmark.

    python scripts/bench_reader.py                      # every input at 10, 20, 40, 100, 1000 KB
    python scripts/bench_reader.py --sizes 10 40 --only link_stub_here
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAD_A = "Title of the blog\n\nA standfirst.\n\nFirst headline\n\nA paragraph.\n\n"
HEAD_B = " date 2025-02-12 A titlePublished February 12, 2025last updated February 13, 2025\n"


def repeat(unit: str, kb: int) -> str:
    return unit * (kb * 1024 // len(unit.encode()) + 1)


# Each maker returns the whole file for about `kb` kilobytes.
INPUTS = {
    # The case: one line of "here" words that is almost a link stub.
    "link_stub_here": lambda kb: HEAD_A + "Read " + repeat("here ", kb) + "x. y\n",
    "link_stub_more": lambda kb: HEAD_A + "Read more " + repeat("more here ", kb) + ":\n",
    "long_paragraph": lambda kb: HEAD_A + repeat("word ", kb) + "end.\n",
    "huge_headline_line": lambda kb: HEAD_A + repeat("Word ", kb) + "\n\nBody.\n",
    "many_headlines": lambda kb: HEAD_A + repeat("Short headline\n\nBody text.\n\n", kb),
    "many_headline_like": lambda kb: HEAD_A + repeat("No full stop here\n\n", kb),
    "many_short_lines": lambda kb: HEAD_A + repeat("a\n", kb),
    "many_blank_lines": lambda kb: HEAD_A + repeat("\n", kb) + "Last.\n",
    "many_spaces": lambda kb: HEAD_A + "a" + repeat(" \u00a0", kb) + "b.\n",
    "long_bullet_list": lambda kb: HEAD_A + repeat("  • An item of the list\n", kb),
    "one_huge_bullet": lambda kb: HEAD_A + "• " + repeat("item ", kb) + "\n",
    "open_brackets": lambda kb: HEAD_A + repeat("[", kb) + "]\n",
    "bracket_words": lambda kb: HEAD_A + repeat("[a ", kb) + "]\n",
    "bracket_pairs": lambda kb: HEAD_A + "Alt\n" + repeat("[a] ", kb) + "[Credit]\n",
    "close_brackets": lambda kb: HEAD_A + repeat("]", kb) + "\n",
    "many_captions": lambda kb: HEAD_A + repeat("A caption [Reuters]\n", kb),
    "many_image_pairs": lambda kb: HEAD_A + repeat("Alt text\nA caption [AP]\n\n", kb),
    "stops_then_quotes": lambda kb: HEAD_A + repeat(".", kb // 2) + repeat("'", kb // 2) + "x\n",
    "question_then_quotes": lambda kb: HEAD_A + repeat("?", kb // 2) + repeat("”", kb // 2) + "x",
    "quotes_only": lambda kb: HEAD_A + repeat("“", kb) + "\n",
    "closed_words": lambda kb: HEAD_A + repeat(". This live blog is ", kb) + "\n",
    "closed_we_have": lambda kb: HEAD_A + repeat("! we have now ", kb) + "\n",
    "many_colons": lambda kb: HEAD_A + "Read " + repeat("here: ", kb) + "\n",
    "link_stub_lines": lambda kb: HEAD_A + repeat("Read more here.\n\n", kb),
    "interactive_lines": lambda kb: HEAD_A + repeat("INTERACTIVE- a map\n\n", kb),
    "source_lines": lambda kb: HEAD_A + repeat("Source: AP\n", kb),
    "file_credits": lambda kb: HEAD_A + "Alt\nCap [File" + repeat(": File", kb) + "]\n",
    "b_header_published": lambda kb: (
        " date 2025-02-12 T" + repeat("Published last updated ", kb) + "\nHeadline\nBody.\n"
    ),
    "b_header_spaces": lambda kb: " date 2025-02-12 T" + repeat(" Published ", kb) + "\nH\nB.\n",
    "b_many_lines": lambda kb: (
        HEAD_B
        + "What you need to know\n- One\nIntro:\n"
        + repeat("Headline of an entry\nA paragraph of the entry.\n", kb)
    ),
    "b_many_key_points": lambda kb: (
        HEAD_B + "What you need to know\n" + repeat("- point\n", kb) + "Headline\nBody.\n"
    ),
    "b_only_headline_like": lambda kb: HEAD_B + repeat("Headline like line\n", kb),
    "key_points_heading_lines": lambda kb: HEAD_A + repeat("What you need to know\n\n", kb),
    "dashes_and_dots": lambda kb: HEAD_A + repeat("- . ", kb) + "\n",
    "nul_free_controls": lambda kb: HEAD_A + repeat("\x01\x02 ", kb) + "\n",
}


def one(name: str, kb: int) -> None:
    sys.path.insert(0, str(ROOT))
    from liveblog.importers.reader import ReaderError, read_bytes

    data = INPUTS[name](kb).encode()
    start = time.perf_counter()
    try:
        read_bytes(data)
        outcome = "ok"
    except ReaderError as error:
        outcome = f"ReaderError: {str(error)[:40]}"
    seconds = time.perf_counter() - start
    print(f"{seconds:.6f} {len(data)} {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 20, 40, 100, 1000])
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--one", nargs=2, metavar=("NAME", "KB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], int(args.one[1]))
        return
    worst = (0.0, "", 0)
    print(f"{'input':26}" + "".join(f"{kb:>10} KB" for kb in args.sizes) + "   (ms per KB)")
    for name in args.only or INPUTS:
        cells, timed_out = [], False
        for kb in args.sizes:
            if timed_out:
                cells.append(f"{'-':>13}")
                continue
            try:
                run = subprocess.run(
                    [sys.executable, __file__, "--one", name, str(kb)],
                    capture_output=True,
                    text=True,
                    timeout=args.timeout,
                    check=True,
                )
            except subprocess.TimeoutExpired:
                cells.append(f"{'>' + str(int(args.timeout)) + ' s':>13}")
                per_kb = args.timeout * 1000 / kb
                worst = max(worst, (per_kb, name, kb))
                timed_out = True
                continue
            seconds, size, _ = run.stdout.split(" ", 2)
            per_kb = float(seconds) * 1000 / (int(size) / 1024)
            worst = max(worst, (per_kb, name, kb))
            cells.append(f"{per_kb:>13.3f}")
        print(f"{name:26}" + "".join(cells))
    print(f"slowest: {worst[1]} at {worst[2]} KB, {worst[0]:.3f} ms per KB (at least)")


if __name__ == "__main__":
    main()
