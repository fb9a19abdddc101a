"""One dataset file of any kind (exports.file_kinds), written as a stream to a binary file object.

Every kind is made from the streaming export (exports.services.exporting.export_to): tree and flat message
files are its output; the others take the lines it writes, a chunk of trees at a time, parse them one by one
(``_LineSink``) and write what they derive from each, so memory stays flat whatever the number of trees.
Parquet is made from the flat lines, in row groups that end with a chunk (exports.parquet); threads, chat
examples and preference pairs from the tree lines, a tree at a time (exports.derived). A derived file
holds what the export of the same filter holds (the filter's ids, anonymized or not, in every kind).
"""

from __future__ import annotations

import dataclasses
import gzip
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, BinaryIO, TextIO

from exports import derived
from exports.file_kinds import FileKind
from exports.files import GZIP_LEVEL
from exports.filters import ExportFilter
from exports.jsoncodec import dumps, loads
from exports.services.exporting import export_to

# Parquet is made from smaller chunks of trees than the export's default: pyarrow and the Arrow data of a row
# group take memory of their own (row groups span several chunks: MessageFileWriter.ROW_GROUP_ROWS).
PARQUET_CHUNK_TREES = 1000
# The rows derived from one parsed tree line, by kind.
DERIVED_ROWS: dict[FileKind, Callable[..., Iterator[dict]]] = {
    FileKind.THREADS: derived.threads,
    FileKind.SFT: derived.sft_examples,
    FileKind.PAIRS: derived.preference_pairs,
}


@dataclasses.dataclass
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
    all_paths: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> FileReport:
    """Write the file of ``kind`` for ``export_filter`` to ``out``; ``on_progress`` gets the trees read so far.

    ``compress`` gzips a JSON Lines file (Parquet compresses inside the file). ``all_paths``: chat examples
    for every path of a tree instead of its best-ranked one (exports.derived). The report's ``trees`` and
    ``messages`` are those the export read, ``rows`` the lines or rows written.
    """
    kind = FileKind(kind)
    if kind == FileKind.PARQUET:
        return _write_parquet(export_filter, out, on_progress=on_progress)
    with _text_file(out, compress=compress) as text:
        if kind in (FileKind.TREES, FileKind.MESSAGES):
            report = export_to(text, export_filter, flat=kind == FileKind.MESSAGES, on_progress=on_progress)
            rows = report.trees if kind == FileKind.TREES else report.messages
            return FileReport(trees=report.trees, messages=report.messages, rows=rows)
        to_rows = partial(derived.sft_examples, all_paths=all_paths) if kind == FileKind.SFT else DERIVED_ROWS[kind]
        rows = 0

        def write_rows(tree: Any) -> None:
            nonlocal rows
            lines = [dumps(row) + "\n" for row in to_rows(tree)]
            text.write("".join(lines))
            rows += len(lines)

        sink = _LineSink(write_rows)
        report = export_to(sink, _source_filter(kind, export_filter), on_progress=on_progress)
        sink.finish()
    return FileReport(trees=report.trees, messages=report.messages, rows=rows)


def _source_filter(kind: FileKind, export_filter: ExportFilter) -> ExportFilter:
    """The export a derived kind reads: without what it leaves out anyway (fewer rows to read and parse), with
    the ranking events preference pairs count."""
    if kind == FileKind.SFT:
        return dataclasses.replace(export_filter, labels=False, events=False)
    if kind == FileKind.PAIRS:
        return dataclasses.replace(export_filter, labels=False, events=True)
    if kind == FileKind.PARQUET:
        return dataclasses.replace(export_filter, events=False)
    return export_filter


@contextmanager
def _text_file(out: BinaryIO, *, compress: bool) -> Iterator[TextIO]:
    raw = gzip.GzipFile(fileobj=out, mode="wb", compresslevel=GZIP_LEVEL) if compress else out
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
    try:
        yield text
        text.flush()
    finally:
        # The caller's file stays open.
        text.detach()
        if compress:
            raw.close()


class _LineSink:
    """A text file for export_to that hands each line it is given, parsed, to ``on_line``, one at a time (the
    parsed lines of a whole chunk of trees would take several times the memory of its text), and calls
    ``on_written`` after each write: export_to writes a chunk of lines at a time.

    A line cut across writes waits for its end. Lines end with ``\\n`` only (JSON text has no raw newline;
    other line breaks, such as U+2028, may stand in texts)."""

    def __init__(self, on_line: Callable[[Any], None], on_written: Callable[[], None] | None = None) -> None:
        self.on_line = on_line
        self.on_written = on_written
        self.pending = ""

    def write(self, text: str) -> int:
        data = self.pending + text if self.pending else text
        start = 0
        while (end := data.find("\n", start)) >= 0:
            self.on_line(loads(data[start:end]))
            start = end + 1
        self.pending = data[start:]
        if self.on_written is not None:
            self.on_written()
        return len(text)

    def finish(self) -> None:
        if self.pending:
            raise ValueError("the export ended inside a line")


def _write_parquet(
    export_filter: ExportFilter, out: BinaryIO, *, on_progress: Callable[[int], None] | None
) -> FileReport:
    # pyarrow takes 50 MB and a noticeable start-up time: only the processes that write Parquet load it.
    from exports.parquet import MessageFileWriter

    writer = MessageFileWriter(out)
    sink = _LineSink(writer.add, on_written=writer.end_chunk)
    source = _source_filter(FileKind.PARQUET, export_filter)
    report = export_to(sink, source, flat=True, chunk_size=PARQUET_CHUNK_TREES, on_progress=on_progress)
    sink.finish()
    writer.close()
    return FileReport(trees=report.trees, messages=report.messages, rows=writer.rows)
