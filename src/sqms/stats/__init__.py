"""Pure numpy/scipy statistics for SQMS (no Django import; usable as a library).

Every module documents its formulas and references. Inputs are respondents × items matrices with
``NaN`` for missing answers; listwise deletion is the default (as SPSS), pairwise deletion an
option, and every result states the policy used. Impossible computations raise
:class:`StatsError` (a ``ValueError``) naming the problem.
"""

from . import mcda, spc, verdicts
from ._data import Moments, StatsError, moments
from .battery import BatteryResult, battery, run_battery
from .correlation import pearson, spearman
from .descriptive import describe, wilson_ci
from .nps import csat, nps
from .reliability import cronbach_alpha, mcdonald_omega, reliability, split_half
from .servqual import derived_importance, ipa, key_drivers, servqual
from .tests_group import (
    anova,
    chi_square,
    kruskal,
    mann_whitney,
    sample_size_mean,
    sample_size_proportion,
    t_test,
)
from .validity import bartlett, construct_validity, efa, kmo, parallel_analysis

__all__ = [
    "BatteryResult",
    "Moments",
    "StatsError",
    "anova",
    "bartlett",
    "battery",
    "chi_square",
    "construct_validity",
    "cronbach_alpha",
    "csat",
    "derived_importance",
    "describe",
    "efa",
    "ipa",
    "key_drivers",
    "kmo",
    "kruskal",
    "mann_whitney",
    "mcda",
    "mcdonald_omega",
    "moments",
    "nps",
    "parallel_analysis",
    "pearson",
    "reliability",
    "run_battery",
    "sample_size_mean",
    "sample_size_proportion",
    "servqual",
    "spc",
    "spearman",
    "split_half",
    "t_test",
    "verdicts",
    "wilson_ci",
]
