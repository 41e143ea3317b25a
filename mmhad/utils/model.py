"""The model behind the runner, whatever wraps it."""
import torch.nn as nn
from mmengine.model import is_model_wrapper


def unwrap_model(model: nn.Module) -> nn.Module:
    """``model.module`` if ``model`` is a model wrapper (DDP, FSDP...,
    anything in mmengine's ``MODEL_WRAPPERS``), else ``model`` itself.

    Hooks and loops pass ``runner.model`` and get the segmentor whose
    :class:`~mmhad.models.segmentors.ContinualModel` methods they call.
    """
    return model.module if is_model_wrapper(model) else model
