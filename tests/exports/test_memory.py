"""Garbage collection during the dataset jobs."""

import gc

import pytest

from exports.memory import BULK_THRESHOLDS, no_cyclic_garbage_collection, rare_garbage_collection
from exports.services import exporting, importing
from tests.exports.conftest import SAMPLE, export_objs


def test_thresholds_are_raised_in_the_block_and_restored_after_it_even_on_error():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), rare_garbage_collection():
        assert gc.get_threshold() == BULK_THRESHOLDS
        raise RuntimeError
    assert gc.get_threshold() == before


def test_the_collector_is_off_in_the_block_and_on_again_after_it_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), no_cyclic_garbage_collection():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


@pytest.mark.django_db
def test_imports_collect_no_cycles_and_exports_collect_rarely(monkeypatch):
    seen = []
    run, assemble = importing.Importer.run, exporting._Assembler.assemble

    def recording_run(self, items):
        seen.append(gc.isenabled())
        return run(self, items)

    def recording_assemble(self, rows):
        seen.append(gc.get_threshold())
        return assemble(self, rows)

    monkeypatch.setattr(importing.Importer, "run", recording_run)
    monkeypatch.setattr(exporting._Assembler, "assemble", recording_assemble)
    before = gc.get_threshold()
    importing.import_file(SAMPLE)
    assert export_objs()
    assert seen == [False, BULK_THRESHOLDS]
    assert gc.get_threshold() == before and gc.isenabled()
