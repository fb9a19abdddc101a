"""Opening dataset files: gzip when the name ends in ``.gz``, standard input/output for ``-``."""

import gzip
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

GZIP_LEVEL = 6


@contextmanager
def open_text(path: str | Path, mode: str) -> Iterator[IO]:
    """``mode`` is ``"rb"`` (lines as bytes) or ``"w"`` (UTF-8 text)."""
    name = str(path)
    if name == "-":
        if mode == "rb":
            yield sys.stdin.buffer
        else:
            yield sys.stdout
            sys.stdout.flush()
        return
    if mode == "rb":
        opener = gzip.open if name.endswith(".gz") else open
        with opener(name, "rb") as handle:
            yield handle
        return
    if name.endswith(".gz"):
        with gzip.open(name, "wb", compresslevel=GZIP_LEVEL) as raw, io.TextIOWrapper(raw, encoding="utf-8") as handle:
            yield handle
        return
    with open(name, "w", encoding="utf-8") as handle:
        yield handle
