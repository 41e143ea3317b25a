"""Load a checkpoint's weights into a model, weights-only, checking fit.

The file is read through mmengine's ``CheckpointLoader``, whose every scheme
:mod:`mmhad.compat` routes through
:func:`mmhad.utils.checkpoint_io.safe_torch_load` (weights-only with
mmengine's bookkeeping allowed; anything else is refused with
``CheckpointRefusedError``), the same path ``tools/test.py`` takes.
"""
import re
from typing import Dict, List

from mmengine.runner import CheckpointLoader
from torch import Tensor, nn

#: Prefixes mmengine strips when loading (a DDP-wrapped model's state).
REVISE_KEYS = ((r'^module\.', ''), )
#: Buffers a checkpoint may lack (it then keeps the model's value): older
#: checkpoints have no ``learned_mask`` and count every head as learned.
OPTIONAL_KEYS = ('learned_mask', )
#: Offending keys named in an error message.
MAX_SHOWN = 5


def checkpoint_state_dict(checkpoint: dict) -> Dict[str, Tensor]:
    """The ``state_dict`` of a loaded checkpoint (or the dict itself when it
    is one), with the ``module.`` prefix of wrapped models removed."""
    if not isinstance(checkpoint, dict):
        raise ValueError('a checkpoint must be a dict, got '
                         f'{type(checkpoint).__name__}')
    state = checkpoint.get('state_dict', checkpoint)
    for pattern, repl in REVISE_KEYS:
        state = {re.sub(pattern, repl, k): v for k, v in state.items()}
    return state


def mismatches(model: nn.Module, state: Dict[str, Tensor]) -> List[str]:
    """What keeps ``state`` from loading into ``model`` strictly, one line
    per kind of problem (empty when it fits)."""
    own = model.state_dict()
    missing = [k for k in own if k not in state and k not in OPTIONAL_KEYS]
    unexpected = [k for k in state if k not in own]
    shapes = [
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in own
        if k in state and hasattr(state[k], 'shape')
        and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    problems = []
    for what, keys in (('missing from the checkpoint', missing),
                       ('not in the model', unexpected),
                       ('of another shape', shapes)):
        if keys:
            shown = ', '.join(keys[:MAX_SHOWN])
            more = f' and {len(keys) - MAX_SHOWN} more' \
                if len(keys) > MAX_SHOWN else ''
            problems.append(f'{len(keys)} weight(s) {what} ({shown}{more})')
    return problems


def load_weights(model: nn.Module, filename: str) -> dict:
    """Load the weights of checkpoint ``filename`` into ``model``.

    Args:
        model (nn.Module): The model built from the checkpoint's config.
        filename (str): Checkpoint path or URL (any mmengine scheme).

    Returns:
        dict: The checkpoint's ``meta`` (empty if it has none).

    Raises:
        CheckpointRefusedError: If the file needs unpickling of objects
            outside the weights-only allow-list.
        ValueError: If the weights do not fit the model; the message names
            the missing, unexpected and reshaped weights.
    """
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    state = checkpoint_state_dict(checkpoint)
    problems = mismatches(model, state)
    if problems:
        raise ValueError(
            f'checkpoint {filename} does not fit the model built from this '
            f'config (was it trained with another config?): '
            + '; '.join(problems))
    model.load_state_dict(state, strict=False)
    meta = checkpoint.get('meta', {}) if isinstance(checkpoint, dict) else {}
    return meta if isinstance(meta, dict) else {}
