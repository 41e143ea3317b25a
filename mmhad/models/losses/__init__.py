from .depth_loss import (MaskedL1Loss, masked_l1_loss,  # noqa: F401
                         valid_target_mask)
from .cross_entropy_loss import WeightedCrossEntropyLoss  # noqa: F401
from .normal_loss import CosineNormalLoss, cosine_normal_loss  # noqa: F401
from .had_functional import (OPTIONS, check_option,  # noqa: F401
                             check_options, db_group_ids, db_had,
                             distill_total, had_task_loss, masked_mean,
                             pixel_distill_loss, sg_edge_mask, sg_had,
                             sobel_magnitude)
from .pixel_distill import PixelDistillLoss  # noqa: F401
from .had_loss import HADLoss  # noqa: F401
from .lwf_loss import LwFLoss  # noqa: F401
from .distill_loss import (HADDistillLoss, build_distill_loss,  # noqa: F401
                           build_task_loss)
