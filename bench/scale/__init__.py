"""A province-scale data set for benchmarks (`manage.py seed_scale`): options, the writer
(bench/scale/writer.py), the generator (generator.py) and the run (seed.py)."""

from .options import DEFAULT_PASSWORD, USER_PREFIX, Options, ScaleError, official_username
from .seed import choose_communes, reset_communes, scale_commune_codes, seed_scale
from .writer import Sink, Stats, peak_rss_mb, reserve_ids

__all__ = [
    "DEFAULT_PASSWORD",
    "USER_PREFIX",
    "Options",
    "ScaleError",
    "Sink",
    "Stats",
    "choose_communes",
    "official_username",
    "peak_rss_mb",
    "reserve_ids",
    "reset_communes",
    "scale_commune_codes",
    "seed_scale",
]
