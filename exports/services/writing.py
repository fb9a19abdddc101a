"""One dataset file of any kind (exports.file_kinds), written as a stream to a binary file object.

Every kind is made from the streaming export (exports.services.exporting.export_to): tree and flat message
files are its output; the others take its lines a chunk of trees at a time (``_LineSink``), parse them and
write what they derive from them before the next chunk comes, so memory stays flat whatever the number of
trees. Parquet is made from the flat lines, one row group per chunk; threads, chat examples and preference
pairs from the tree lines (exports.derived).
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
        file_report = FileReport()

        def write_rows(trees: list[Any]) -> None:
            lines = [dumps(row) + "\n" for tree in trees for row in to_rows(tree)]
            text.write("".join(lines))
            file_report.rows += len(lines)

        sink = _LineSink(write_rows)
        report = export_to(sink, _source_filter(kind, export_filter), on_progress=on_progress)
        sink.finish()
    return dataclasses.replace(file_report, trees=report.trees, messages=report.messages)


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
    """A text file for export_to that hands each batch of complete lines it is given, parsed, to ``on_lines``.

    export_to writes a chunk of lines at a time; a line cut across writes waits for its end. Lines end with
    ``\\n`` only (JSON text has no raw newline; other line breaks, such as U+2028, may stand in texts)."""

    def __init__(self, on_lines: Callable[[list[Any]], None]) -> None:
        self.on_lines = on_lines
        self.pending = ""

    def write(self, text: str) -> int:
        data = self.pending + text
        end = data.rfind("\n")
        self.pending = data[end + 1 :]
        if end >= 0:
            self.on_lines([loads(line) for line in data[:end].split("\n")])
        return len(text)

    def finish(self) -> None:
        if self.pending:
            raise ValueError("the export ended inside a line")


def _write_parquet(
    export_filter: ExportFilter, out: BinaryIO, *, on_progress: Callable[[int], None] | None
) -> FileReport:
    # pyarrow takes 50 MB and a noticeable start-up time: only the processes that write Parquet load it.
    import pyarrow.parquet as pq

    from exports.parquet import SCHEMA, message_table

    rows = 0
    with pq.ParquetWriter(out, SCHEMA) as writer:

        def write_rows(messages: list[Any]) -> None:
            nonlocal rows
            # One row group per chunk of the export.
            writer.write_table(message_table(messages))
            rows += len(messages)

        sink = _LineSink(write_rows)
        report = export_to(sink, _source_filter(FileKind.PARQUET, export_filter), flat=True, on_progress=on_progress)
        sink.finish()
    return FileReport(trees=report.trees, messages=report.messages, rows=rows)
