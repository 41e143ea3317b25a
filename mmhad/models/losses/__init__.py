from .depth_loss import (MaskedL1Loss, masked_l1_loss,  # noqa: F401
                         valid_target_mask)
from .cross_entropy_loss import WeightedCrossEntropyLoss  # noqa: F401
from .normal_loss import CosineNormalLoss, cosine_normal_loss  # noqa: F401
from .had_functional import (db_group_ids, db_had, masked_mean,  # noqa: F401
                             pixel_distill_loss, sg_edge_mask, sg_had,
                             sobel_magnitude)
from .had_loss import HADDistillLoss, HADLoss  # noqa: F401
