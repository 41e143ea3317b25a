"""The only place where mmhad papers over upstream breakages.

Everything here is applied once by :func:`apply`, which ``import mmhad`` calls
before anything imports :mod:`mmseg.models`. Each part names the upstream
problem and the condition under which it can be deleted.

1. ``mmcv._ext`` stand-in (:func:`install_mmcv_ext_stub`).
   *Problem*: mmseg 1.2.2 imports ``mmcv.ops`` at module level (e.g. through
   ``mmseg.models.decode_heads``), and every ``mmcv.ops`` file loads the
   compiled ``mmcv._ext``. PyPI has no prebuilt full-mmcv wheel for recent
   torch, and ``mmcv-lite`` ships the Python files of ``mmcv.ops`` without the
   compiled library, so ``import mmseg.models`` fails.
   *Fix*: when (and only when) no compiled ``mmcv._ext`` can be found, register
   a module whose every attribute is a function that raises a clear
   ``RuntimeError`` naming the op when it is *called*. Importing works; using
   a compiled op (deformable conv, PSAMask, ...) fails loudly. The module's
   ``__spec__`` is ``ModuleSpec('mmcv._ext', None)`` so that mmengine's
   ``is_mmcv_full_available()`` (``pkgutil.find_loader``) keeps answering
   ``False`` instead of raising.
   *Delete when*: mmseg stops importing ``mmcv.ops`` at module level, or a full
   mmcv wheel is installable for the pinned torch.

2. Weights-only loading of mmengine checkpoints (:func:`patch_checkpoint_loading`).
   *Problem*: torch>=2.6 defaults ``torch.load(weights_only=True)``.
   mmengine 0.10.7 saves its ``MessageHub`` state (``HistoryBuffer`` objects,
   numpy arrays and scalars) in every checkpoint and calls ``torch.load``
   without ``weights_only``, so ``--resume`` and ``load_from`` fail with
   ``UnpicklingError: Weights only load failed``.
   *Fix*: re-register mmengine's local-file checkpoint loader so that it
   calls ``torch.load`` inside ``torch.serialization.safe_globals`` with an
   explicit allow-list of the few classes mmengine writes. Weights-only
   loading stays on, for mmengine loads only, and nothing else is allowed;
   ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` is never touched.
   *Delete when*: mmengine passes ``weights_only`` itself or registers its
   own safe globals (mmengine > 0.10.7).

3. Distributed launch without GPUs (:func:`prepare_cpu_launch`).
   *Problem*: mmengine's ``init_dist`` calls ``torch.cuda.set_device``, its
   default DDP wrapper passes ``device_ids=[LOCAL_RANK]``, and SyncBN has no
   CPU kernel, so ``tools/dist_train.sh`` cannot run on a CPU-only machine.
   *Fix*: the tools call it with the config; when launched distributed and
   no CUDA device exists it initialises a ``gloo`` process group itself
   (mmengine then skips ``init_dist``), sets ``device_ids=None`` on the DDP
   wrapper and turns ``SyncBN`` into ``BN`` in the model config. With a GPU
   it does nothing: NCCL, device ids and SyncBN stay as configured.
   *Delete when*: mmengine's launcher supports CPU-only ``torchrun``.
"""
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any, Callable, List

_APPLIED = False


class _MissingExtModule(types.ModuleType):
    """Stand-in for the compiled ``mmcv._ext`` of a full mmcv build."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith('__'):
            raise AttributeError(name)

        def _unavailable(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(
                f'mmcv op "{name}" needs the compiled mmcv._ext, which is not '
                'installed (mmcv-lite has none). Install full mmcv==2.1.0 '
                '(built for your torch/CUDA) to use it.')

        _unavailable.__name__ = name
        return _unavailable


def _compiled_ext_present() -> bool:
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except (ImportError, ValueError):
        return False


def install_mmcv_ext_stub() -> bool:
    """Register the ``mmcv._ext`` stand-in if the compiled one is absent.

    Returns:
        bool: True if the stand-in was installed.
    """
    if 'mmcv._ext' in sys.modules or _compiled_ext_present():
        return False
    module = _MissingExtModule('mmcv._ext')
    module.__spec__ = importlib.machinery.ModuleSpec('mmcv._ext', None)
    module.__file__ = None
    sys.modules['mmcv._ext'] = module
    return True


def _history_buffer_method(owner: Any, name: str) -> Any:
    """Restricted stand-in for ``getattr`` during weights-only unpickling.

    ``HistoryBuffer.__getstate__`` pickles its statistics methods
    (``HistoryBuffer.min`` ...), which pickle protocol 2 writes as
    ``getattr(HistoryBuffer, 'min')``. Only that lookup is allowed here.
    """
    from mmengine.logging import HistoryBuffer
    if owner is not HistoryBuffer or name.startswith('_') or not callable(
            getattr(HistoryBuffer, name, None)):
        raise ValueError(f'refusing to unpickle getattr({owner!r}, {name!r}):'
                         ' only HistoryBuffer statistics methods are allowed')
    return getattr(HistoryBuffer, name)


def mmengine_safe_globals() -> List[Any]:
    """What mmengine 0.10.7 pickles into a checkpoint's message hub."""
    import numpy as np
    from mmengine.logging import HistoryBuffer

    try:  # numpy>=2 moved the pickled helpers to numpy._core
        from numpy._core import multiarray
    except ImportError:
        from numpy.core import multiarray
    scalar_types = [
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
        np.uint16, np.uint32, np.uint64, np.float16, np.float32, np.float64
    ]
    dtype_classes = [type(np.dtype(t)) for t in scalar_types]
    return [
        HistoryBuffer,
        (_history_buffer_method, 'builtins.getattr'),
        (_history_buffer_method, '__builtin__.getattr'),
        multiarray._reconstruct,
        multiarray.scalar,
        np.ndarray,
        np.dtype,
        *scalar_types,
        *dtype_classes,
    ]


def patch_checkpoint_loading() -> None:
    """Make mmengine's local checkpoint loader allow-list its own classes."""
    import os.path as osp

    import torch
    from mmengine.runner.checkpoint import CheckpointLoader

    if not hasattr(torch.serialization, 'safe_globals'):
        return  # torch<2.4 loads full pickles by default; nothing to do.

    def load_from_local(filename: str, map_location: Any) -> Any:
        filename = osp.expanduser(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(f'{filename} can not be found.')
        with torch.serialization.safe_globals(mmengine_safe_globals()):
            return torch.load(filename, map_location=map_location)

    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local,
                                     force=True)


def _sync_bn_to_bn(node: Any) -> int:
    """Replace every ``type='SyncBN'`` in a config tree; count them."""
    count = 0
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
            count += 1
        for value in node.values():
            count += _sync_bn_to_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            count += _sync_bn_to_bn(value)
    return count


def prepare_cpu_launch(cfg: Any) -> bool:
    """Make a distributed launch work on a machine without CUDA.

    Args:
        cfg (mmengine.Config): The run config; ``cfg.launcher`` is read and
            ``cfg.model`` / ``cfg.model_wrapper_cfg`` are edited in place.

    Returns:
        bool: True if the CPU (gloo) set-up was applied.
    """
    import torch
    import torch.distributed as dist
    from mmengine.logging import print_log

    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    if 'find_unused_parameters' in cfg:
        wrapper.setdefault('find_unused_parameters',
                           cfg.find_unused_parameters)
    cfg.model_wrapper_cfg = wrapper
    n = _sync_bn_to_bn(cfg.model)
    print_log(f'No CUDA device: distributed on CPU with gloo; {n} SyncBN '
              'layer config(s) turned into BN.', logger='current')
    return True


def apply() -> None:
    """Apply every workaround once (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    install_mmcv_ext_stub()
    patch_checkpoint_loading()
    _APPLIED = True
