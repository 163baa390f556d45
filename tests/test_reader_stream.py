"""The reader as a stream: a file read from disk a line at a time gives exactly what reading its
bytes whole gives (document, warnings, lines, errors), and holds memory flat whatever its length."""

import random
import sys
import tracemalloc
from pathlib import Path

import pytest

from liveblog.importers import reader
from liveblog.importers.reader import Lines, ReaderError, read_bytes, read_file

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
TEXTS = sorted(path for path in CORPUS_DIR.glob("*.txt") if not path.name.endswith(".warnings.txt"))


def both_ways(path: Path, data: bytes):
    """(document, warnings, lines) read from `data` whole and from the file `path` holding it."""
    path.write_bytes(data)
    found = []
    for read in (lambda **kw: read_bytes(data, **kw), lambda **kw: read_file(path, **kw)):
        warnings, lines = [], Lines()
        document = read(warnings=warnings, lines=lines)
        found.append((document, [str(w) for w in warnings], lines.as_dict()))
    return found


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("source", TEXTS, ids=lambda path: path.stem)
def test_a_file_reads_as_its_bytes_do(source, newline, tmp_path):
    text = source.read_text(encoding="utf-8").replace("\n", newline)
    whole, streamed = both_ways(tmp_path / "seed.txt", text.encode())
    assert streamed == whole
    assert whole[0]["entries"], "the corpus file has entries"


def test_the_seeds_read_as_their_bytes_do(seeds_dir, tmp_path):
    for seed in sorted(seeds_dir.glob("*.txt")):
        whole, streamed = both_ways(tmp_path / seed.name, seed.read_bytes())
        assert streamed == whole, seed.name


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"Title\n\nStandfirst.\n\n" + b"x" * 5000 + b"\n\xff\xfe\n", 6),
        (b"Title\n\n" + "é".encode() * 3000 + b"\n\nBody\x00.\n", 5),
        (b"Title\r\n\r\n" + b"y" * 4093 + "é".encode()[:1] + b"\n", 3),
    ],
)
def test_errors_name_the_same_line_across_chunks(data, line, tmp_path, monkeypatch):
    # Chunks of 4 KiB: NUL bytes and broken UTF-8 fall in the second or straddle two chunks.
    monkeypatch.setattr(reader, "READ_CHUNK", 4096)
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(ReaderError) as whole:
        read_bytes(data)
    with pytest.raises(ReaderError) as streamed:
        read_file(path)
    assert (streamed.value.message, streamed.value.line) == (whole.value.message, line)
    assert whole.value.line == line


class Discard:
    """An entries sink that keeps nothing (the importer spills them to disk instead)."""

    def __init__(self):
        self.count = 0

    def append(self, entry):
        self.count += 1


def traced_peak(path: Path) -> tuple[int, int]:
    entries = Discard()
    tracemalloc.start()
    try:
        read_file(path, warnings=[], lines=Lines(), entries=entries)
        return tracemalloc.get_traced_memory()[1], entries.count
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["a", "b"])
def test_reading_holds_memory_flat_whatever_the_length(fmt, tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench_import
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    make = bench_import.format_a if fmt == "a" else bench_import.format_b
    peaks = {}
    for count in (4000, 20000):
        path = tmp_path / f"{count}.txt"
        path.write_text(make(random.Random(count), 1, count), encoding="utf-8")
        peak, read = traced_peak(path)
        assert read == count
        peaks[count] = peak
    # Five times the entries (15 MB of text for format B), not five times the memory: the peak
    # is the reading buffers' (a few MB); only the line store grows, 8 bytes a part.
    assert peaks[20000] < 1.2 * peaks[4000] + 8 * 8 * 20000, peaks
