"""One scorer per built-in scoring rule, registered in ``SCORERS`` under the
name task types give in their ``scorer`` attribute."""
from mmhad.registry import SCORERS
from .abs_err import AbsErrScorer
from .base import BaseScorer, RegionScorer
from .depth import DepthScorer
from .edge import EdgeScorer
from .normal import NormalScorer
from .semantic import SemanticScorer

__all__ = [
    'SCORERS', 'BaseScorer', 'RegionScorer', 'SemanticScorer', 'DepthScorer',
    'NormalScorer', 'EdgeScorer', 'AbsErrScorer'
]
