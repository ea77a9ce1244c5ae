"""Measures of what the network learned, computed from spikes and weights.

:mod:`.measures`: bout counts, reconstruction, symmetry of W and Q, gradient
alignment, receptive fields and Gabor fits; :mod:`.code`: the hidden code's
statistics and the ceilings other codes of its size reach.
"""
from .code import *  # noqa: F401,F403
from .code import __all__ as _code
from .measures import *  # noqa: F401,F403
from .measures import __all__ as _measures

__all__ = [*_measures, *_code]
