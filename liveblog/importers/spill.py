"""A long list an import reads once and walks several times, kept out of memory.

A 50,000-entry blog read into Python objects takes hundreds of megabytes; its entries, and the
checked plans made of them, go to a temporary file instead, pickled a chunk at a time, so an
import holds one chunk whatever the file's length. A short list never leaves memory (the file is
spooled: written to disk only past SPOOL_BYTES). Only this process reads what it wrote.
"""

import pickle
import tempfile
from collections.abc import Iterator

SPOOL_BYTES = 4 * 1024 * 1024


class Spill:
    """Items appended once, then read in order (as often as wanted) or a chunk at a time."""

    def __init__(self, chunk: int):
        self.chunk = chunk
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        self._where: list[tuple[int, int]] = []  # each written chunk's offset and length
        self._pending: list = []
        self._count = 0

    def append(self, item) -> None:
        self._pending.append(item)
        self._count += 1
        if len(self._pending) >= self.chunk:
            self._write()

    def _write(self) -> None:
        data = pickle.dumps(self._pending, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.seek(0, 2)
        self._where.append((self._file.tell(), len(data)))
        self._file.write(data)
        self._pending = []

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    @property
    def chunks(self) -> int:
        return len(self._where) + bool(self._pending)

    def read_chunk(self, number: int) -> list:
        """The items of chunk `number` (0 is the first), a new list each time."""
        if number == len(self._where) and self._pending:
            return list(self._pending)
        offset, length = self._where[number]
        self._file.seek(offset)
        return pickle.loads(self._file.read(length))  # noqa: S301 - written by this process

    def __iter__(self) -> Iterator:
        for number in range(self.chunks):
            yield from self.read_chunk(number)

    def close(self) -> None:
        self._file.close()
        self._where, self._pending = [], []
