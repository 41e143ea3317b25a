"""Run a trained mmhad model on users' own images.

>>> from mmhad.apis import inference_model, init_model
>>> model = init_model('configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py',
...                    'work_dirs/had/phase2_normal.pth', device='cpu')
>>> maps = inference_model(model, 'photo.png')
>>> maps['depth'].shape, maps['depth'].dtype      # metres
((96, 128), dtype('float32'))

``mmseg.apis.init_model`` cannot build mmhad models (it sets
``model.pretrained``, which :class:`MultiTaskEncoderDecoder` does not take);
:func:`init_model` builds them as the tools do and loads the checkpoint
weights-only through mmhad's safe loader.
"""
import copy
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch import nn

from mmhad.tasks import get_task
from .checkpoint import load_weights
from .image import ImageInput, load_image

#: Pipeline steps dropped at inference (they read files the user does not
#: have: the dataset's image loader and the annotation loaders).
DROPPED_STEP_PREFIX = 'Load'
#: Appended when the config's test pipeline has no packing step.
DEFAULT_PACK = dict(type='PackMultiTaskInputs')

ConfigInput = Union[str, os.PathLike, Config]
TaskMaps = Dict[str, np.ndarray]


def _step_name(step: dict) -> str:
    """A pipeline step's type without its registry scope (``mmseg.``)."""
    name = step.get('type', '')
    return name.split('.')[-1] if isinstance(name, str) else \
        getattr(name, '__name__', '')


def inference_pipeline_cfg(cfg: Config) -> List[dict]:
    """The inference pipeline of ``cfg``: its test pipeline without loaders.

    Taken from ``cfg.test_dataloader.dataset.pipeline`` (else
    ``cfg.test_pipeline``); every ``Load*`` step (the dataset's image loader,
    the annotation loaders) is dropped, because :func:`inference_model`
    loads the image itself; test-time resizing and packing stay. Without a
    packing step, ``PackMultiTaskInputs`` is appended.

    Returns:
        list[dict]: Transform configs for :class:`mmengine.dataset.Compose`.
    """
    dataset = (cfg.get('test_dataloader', None) or {}).get('dataset', {})
    steps = dataset.get('pipeline', None) or cfg.get('test_pipeline',
                                                     None) or []
    steps = [
        copy.deepcopy(dict(s)) for s in steps
        if not _step_name(s).startswith(DROPPED_STEP_PREFIX)
    ]
    if not any(_step_name(s).startswith('Pack') for s in steps):
        steps.append(dict(DEFAULT_PACK))
    return steps


def init_model(config: ConfigInput,
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build an mmhad model from a config and load a checkpoint.

    The backbone's ``init_cfg`` is dropped (nothing is downloaded: the
    weights come from ``checkpoint``), ``SyncBN`` becomes ``BN`` on CPU, and
    the checkpoint is loaded **weights-only** (:func:`load_weights`), so
    the model predicts exactly the tasks the checkpoint has learned (its
    ``learned_mask``). Without a checkpoint every head is randomly
    initialised and counts as learned.

    Args:
        config (str | os.PathLike | Config): Config file or object.
        checkpoint (str, optional): Checkpoint path (or URL) written by
            ``tools/train.py``; None keeps random weights.
        device (str): Device of the model, e.g. ``'cpu'`` or ``'cuda:0'``.
        cfg_options (dict, optional): Overrides merged into the config
            (``{'model.backbone.depth': 50}``).

    Returns:
        nn.Module: The model in eval mode, with ``cfg`` (the config),
        ``dataset_meta`` (classes and palette: the checkpoint's, else the
        config dataset's) and ``test_pipeline`` (:func:`inference_pipeline_cfg`)
        attached.

    Raises:
        CheckpointRefusedError: If the checkpoint holds objects outside the
            weights-only allow-list.
        ValueError: If the checkpoint's weights do not fit the model (built
            from another config).
    """
    if isinstance(config, (str, Path, os.PathLike)):
        config = Config.fromfile(os.fspath(config))
    elif not isinstance(config, Config):
        raise TypeError('config must be a file path or an mmengine Config, '
                        f'got {type(config).__name__}')
    else:
        config = copy.deepcopy(config)
    if cfg_options:
        config.merge_from_dict(cfg_options)
    init_default_scope(config.get('default_scope', 'mmseg'))
    model_cfg = copy.deepcopy(config.model)
    if isinstance(model_cfg.get('backbone'), dict):
        model_cfg.backbone.init_cfg = None
    model_cfg.init_cfg = None
    model = MODELS.build(model_cfg)
    meta = load_weights(model, checkpoint) if checkpoint is not None else {}
    model.cfg = config
    model.dataset_meta = meta.get('dataset_meta') or _config_dataset_meta(
        config)
    model.test_pipeline = inference_pipeline_cfg(config)
    if torch.device(device).type == 'cpu':
        model = revert_sync_batchnorm(model)
    model.to(device)
    model.eval()
    return model


def _config_dataset_meta(cfg: Config) -> dict:
    """Classes and palette of the config's test dataset class, without
    building it (the data need not exist)."""
    from mmseg.registry import DATASETS
    dataset = (cfg.get('test_dataloader', None) or {}).get('dataset', {})
    dataset_type = dataset.get('type')
    if not isinstance(dataset_type, str) or dataset_type not in \
            DATASETS.module_dict:
        return {}
    cls = DATASETS.get(dataset_type)
    class_sets = getattr(cls, 'CLASS_SETS', {})
    num_classes = dataset.get('num_classes')
    if num_classes in class_sets:
        return copy.deepcopy(dict(class_sets[num_classes]))
    return copy.deepcopy(dict(getattr(cls, 'METAINFO', {}) or {}))


def predict_samples(model: nn.Module,
                    imgs: Sequence[ImageInput]) -> tuple:
    """Run ``model`` on images; the data samples and the loaded images.

    Returns:
        tuple[list[SegDataSample], list[np.ndarray]]: One sample per image
        with every learned task's prediction field, and each input as H x W
        x 3 uint8 RGB (for drawing).
    """
    pipeline = Compose(getattr(model, 'test_pipeline', None)
                       or inference_pipeline_cfg(model.cfg))
    loaded = [load_image(img) for img in imgs]
    shown = [np.clip(r['img'], 0, 255).round().astype(np.uint8)
             for r in loaded]
    data = pseudo_collate([pipeline(r) for r in loaded])
    with torch.no_grad():
        samples = model.test_step(data)
    return samples, shown


def sample_to_maps(sample, tasks: Sequence[str]) -> TaskMaps:
    """Each task's prediction of one data sample as a numpy array in the
    task's unit (see :func:`inference_model`)."""
    maps = {}
    for name in tasks:
        task = get_task(name)
        pred = sample.get(task.pred_field).data
        if task.is_classes and pred.numel() and int(pred.max()) > 255:
            array = pred[0].detach().cpu().numpy().astype(np.int64)
        else:
            array = task.to_numpy(pred)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[..., 0]
        maps[name] = array
    return maps


def inference_model(
        model: nn.Module,
        img: Union[ImageInput, Sequence[ImageInput]]
) -> Union[TaskMaps, List[TaskMaps]]:
    """Predict every task the model has learned on one image (or a list).

    Args:
        model (nn.Module): From :func:`init_model`.
        img (str | os.PathLike | np.ndarray | list): A ``.npy`` file
            (H x W x 3 RGB in [0, 1]), an image file (``.png``, ``.jpg``...,
            read as RGB), or an H x W x 3 array in **RGB** order, ``uint8``
            in [0, 255] or float in [0, 1]; or a list of them.

    Returns:
        dict[str, np.ndarray] | list[dict]: Task name -> map at the input's
        H x W, for each task in ``model.learned_tasks``, in the task's unit
        (``get_task(name).unit``): class ids as H x W ``uint8`` (``int64``
        above 255 classes), e.g. semantic classes and 0/1 edges; one-channel
        regressions as H x W ``float32`` (depth in metres, or disparity for
        a model trained on MTAN Cityscapes); others as H x W x C
        ``float32`` (e.g. normals as unit vectors in the camera frame). A
        list of images gives a list of dicts.
    """
    is_batch = isinstance(img, (list, tuple))
    samples, _ = predict_samples(model, list(img) if is_batch else [img])
    tasks = model.learned_tasks
    maps = [sample_to_maps(s, tasks) for s in samples]
    return maps if is_batch else maps[0]
