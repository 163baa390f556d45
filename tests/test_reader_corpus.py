"""The reader on a corpus of pages that vary the way real ones do (tests/corpus/).

Each `<name>.txt` is a fictional live blog written for these tests; `<name>.json` is the
document it must read to, and `<name>.warnings.txt` the warnings it must give, one per line
(no such file: no warnings). The README lists what each variant covers.
"""

import json
from pathlib import Path

import pytest

from liveblog.importers.document import check_document
from liveblog.importers.reader import read_bytes

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
NAMES = sorted(path.stem for path in CORPUS_DIR.glob("*.json"))


def test_the_corpus_covers_both_formats():
    formats = [json.loads((CORPUS_DIR / f"{name}.json").read_text())["format"] for name in NAMES]
    assert len(NAMES) >= 20
    assert formats.count("A") >= 10 and formats.count("B") >= 10


def test_every_corpus_text_has_its_expected_document():
    texts = {path.stem for path in CORPUS_DIR.glob("*.txt") if ".warnings" not in path.name}
    assert texts == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_corpus_page_reads_to_its_expected_document(name):
    warnings = []
    document = read_bytes((CORPUS_DIR / f"{name}.txt").read_bytes(), warnings=warnings)
    expected = json.loads((CORPUS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert document == expected
    check_document(document, name)
    expected_warnings = CORPUS_DIR / f"{name}.warnings.txt"
    lines = (
        expected_warnings.read_text(encoding="utf-8").splitlines()
        if expected_warnings.exists()
        else []
    )
    assert [str(warning) for warning in warnings] == lines
