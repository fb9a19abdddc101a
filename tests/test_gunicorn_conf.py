import gc
import importlib.util
from pathlib import Path

from django.urls import clear_url_caches, get_resolver

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def load_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_the_server_runs_threaded_workers():
    conf = load_conf()
    assert (conf.worker_class, conf.workers, conf.threads) == ("gthread", 4, 8)


def test_a_worker_loads_the_views_then_freezes_what_it_loaded_so_collections_skip_it():
    conf = load_conf()
    clear_url_caches()
    try:
        conf.post_worker_init(worker=None)
        # The URL patterns (and with them every view module) were loaded before the freeze.
        assert "url_patterns" in vars(get_resolver())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
