from .continual_loop import ContinualTrainLoop
from .phase_plan import Phase, plan_phases, split_indices

__all__ = ['ContinualTrainLoop', 'Phase', 'plan_phases', 'split_indices']
