"""One dataset file of any kind (exports.file_kinds), written as a stream to a binary file object."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from exports.file_kinds import FileKind
from exports.files import GZIP_LEVEL
from exports.filters import ExportFilter
from exports.services.exporting import export_to


@dataclass
class FileReport:
    trees: int = 0
    messages: int = 0
    rows: int = 0  # lines (or Parquet rows) written


def write_file(
    kind: FileKind | str,
    export_filter: ExportFilter,
    out: BinaryIO,
    *,
    compress: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> FileReport:
    """Write the file of ``kind`` for ``export_filter`` to ``out``; ``on_progress`` gets the trees read so far."""
    kind = FileKind(kind)
    if kind in (FileKind.TREES, FileKind.MESSAGES):
        raw = gzip.GzipFile(fileobj=out, mode="wb", compresslevel=GZIP_LEVEL) if compress else out
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        try:
            report = export_to(text, export_filter, flat=kind == FileKind.MESSAGES, on_progress=on_progress)
            text.flush()
        finally:
            text.detach()
            if compress:
                raw.close()
        rows = report.trees if kind == FileKind.TREES else report.messages
        return FileReport(trees=report.trees, messages=report.messages, rows=rows)
    raise NotImplementedError(kind)
