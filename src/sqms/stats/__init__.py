"""Pure numpy/scipy statistics for SQMS (no Django import; usable as a library).

Every module documents its formulas and references. Inputs are respondents × items matrices with
``NaN`` for missing answers; listwise deletion is the default (as SPSS), pairwise deletion an
option, and every result states the policy used. Impossible computations raise
:class:`StatsError` (a ``ValueError``) naming the problem.
"""

from ._data import Moments, StatsError, moments
from .battery import BatteryResult, battery, run_battery
from .descriptive import describe, wilson_ci
from .reliability import cronbach_alpha, reliability, split_half
from .validity import bartlett, construct_validity, efa, kmo, parallel_analysis

__all__ = [
    "BatteryResult",
    "Moments",
    "StatsError",
    "bartlett",
    "battery",
    "construct_validity",
    "cronbach_alpha",
    "describe",
    "efa",
    "kmo",
    "moments",
    "parallel_analysis",
    "reliability",
    "run_battery",
    "split_half",
    "wilson_ci",
]
