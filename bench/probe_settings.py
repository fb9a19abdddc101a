"""The project's settings with bench/probes.py's endpoints in front of its URLs (bench/request_cost.py)."""

from oasst.settings import *  # noqa: F403

ROOT_URLCONF = "bench.probes"
