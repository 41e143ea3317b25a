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

2. Weights-only loading on every checkpoint path (:func:`patch_checkpoint_loading`).
   *Problem*: torch>=2.6 defaults ``torch.load(weights_only=True)``.
   mmengine 0.10.7 saves its ``MessageHub`` state (``HistoryBuffer`` objects,
   numpy arrays and scalars) in every checkpoint and calls ``torch.load``
   without ``weights_only``, so ``--resume`` and ``load_from`` fail with
   ``UnpicklingError: Weights only load failed``. Its URL schemes
   (``http(s)://``, ``open-mmlab://``, ``torchvision://``, ``mmcls://``,
   ``pavi://``, ``s3://``...) go through ``torch.hub.load_state_dict_from_url``
   with ``weights_only=False``: full unpickling, i.e. code execution, of a
   downloaded or hub-cached file. ``last_checkpoint`` may name any path or
   URL, and ``--resume`` loads it.
   *Fix*: every loader registered in mmengine's ``CheckpointLoader`` (the
   path of ``load_from``, ``--resume``, ``init_cfg=dict(type='Pretrained')``
   and ``tools/test.py``) is re-registered so that, while it runs, each
   ``torch.load`` is :func:`mmhad.utils.checkpoint_io.safe_torch_load`:
   weights-only with an explicit allow-list of the few classes mmengine
   writes; anything else is refused naming the file. The runner's
   ``find_latest_checkpoint`` accepts only files inside the work dir.
   Weights-only stays on elsewhere; ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` is
   never touched.
   *Delete when*: mmengine loads weights-only on every scheme and registers
   its own safe globals (mmengine > 0.10.7 does neither).

2b. Crash-safe writes (:func:`patch_checkpoint_saving`).
   *Problem*: mmengine 0.10.7 writes checkpoints (``LocalBackend.put``) and
   ``last_checkpoint`` in place, and ``CheckpointHook`` with
   ``max_keep_ckpts`` deletes the oldest checkpoint *before* saving the new
   one: a kill during a save leaves a torn file, ``last_checkpoint`` naming
   a missing file, and nothing to resume from.
   *Fix*: ``LocalBackend.put``/``put_text`` write through
   :func:`mmhad.utils.checkpoint_io.atomic_write`;
   ``CheckpointHook._save_checkpoint_with_step`` saves, then writes
   ``last_checkpoint`` atomically, and only then removes checkpoints beyond
   ``max_keep_ckpts``. The runner's ``save_checkpoint`` refuses a state
   dict with NaN/inf weights (``NonFiniteCheckpointError``), so a diverged
   run never replaces the last good checkpoint (mmhad's own guard, kept).
   *Delete when*: mmengine writes atomically and deletes after saving.

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
import contextlib
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any, Callable, Iterator, List

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


original_torch_load: Callable[..., Any] = None  # set by patch_checkpoint_loading


@contextlib.contextmanager
def _weights_only_torch_load(name: str) -> Iterator[None]:
    """While active, every ``torch.load`` is ``safe_torch_load``."""
    import torch

    from mmhad.utils.checkpoint_io import safe_torch_load

    def forced(f: Any, map_location: Any = None, *args: Any,
               **kwargs: Any) -> Any:
        label = name if not isinstance(f, str) or '://' in name else f
        return safe_torch_load(f, map_location, name=label)

    previous, torch.load = torch.load, forced
    try:
        yield
    finally:
        torch.load = previous


def _weights_only_loader(loader: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap one ``CheckpointLoader`` scheme loader."""
    if getattr(loader, '_mmhad_weights_only', False):
        return loader

    def load(filename: str, *args: Any, **kwargs: Any) -> Any:
        with _weights_only_torch_load(filename):
            return loader(filename, *args, **kwargs)

    load._mmhad_weights_only = True
    load.__name__ = getattr(loader, '__name__', 'load')
    return load


def patch_checkpoint_loading() -> None:
    """Make every mmengine checkpoint scheme load weights-only (part 2)."""
    import os.path as osp

    import mmengine.runner.runner as runner_module
    import torch
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmhad.utils import checkpoint_io

    global original_torch_load
    if original_torch_load is None:
        original_torch_load = torch.load
    if not hasattr(torch.serialization, 'safe_globals'):
        return  # torch<2.4 has no allow-list to extend.

    def load_from_local(filename: str, map_location: Any = None) -> Any:
        filename = osp.expanduser(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(f'{filename} can not be found.')
        return checkpoint_io.safe_torch_load(filename, map_location)

    for prefix, loader in list(CheckpointLoader._schemes.items()):
        CheckpointLoader.register_scheme(
            prefixes=prefix, force=True,
            loader=load_from_local if prefix == '' else
            _weights_only_loader(loader))
    runner_module.find_latest_checkpoint = \
        checkpoint_io.find_latest_checkpoint


def _save_checkpoint_with_step(self: Any, runner: Any, step: int,
                               meta: Any) -> None:
    """``CheckpointHook._save_checkpoint_with_step`` that deletes old
    checkpoints only after the new one and ``last_checkpoint`` are
    complete (part 2b)."""
    import os.path as osp

    from mmengine.dist import is_main_process

    from mmhad.utils.checkpoint_io import atomic_write
    stale = []
    if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                        self.keep_ckpt_ids[-1] == step):
        # mmengine's keep_ckpt_ids is a deque(maxlen=max_keep_ckpts), which
        # would drop the oldest id silently on append: pop it first.
        while len(self.keep_ckpt_ids) >= self.max_keep_ckpts:
            stale.append(self.keep_ckpt_ids.popleft())
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))
    ckpt_filename = self.filename_tmpl.format(step)
    self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
    runner.message_hub.update_info('last_ckpt', self.last_ckpt)
    runner.save_checkpoint(
        self.out_dir, ckpt_filename, self.file_client_args,
        save_optimizer=self.save_optimizer,
        save_param_scheduler=self.save_param_scheduler, meta=meta,
        by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
    if not is_main_process():
        return
    atomic_write(osp.join(runner.work_dir, 'last_checkpoint'),
                 str(self.last_ckpt))
    for old in stale:
        path = self.file_backend.join_path(self.out_dir,
                                           self.filename_tmpl.format(old))
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # deepspeed saves folders
            self.file_backend.rmtree(path)


def patch_checkpoint_saving() -> None:
    """Atomic local writes; delete old checkpoints after saving (part 2b)."""
    from mmengine.fileio.backends.local_backend import LocalBackend
    from mmengine.hooks import CheckpointHook

    from mmhad.utils.checkpoint_io import atomic_write

    def put(self: Any, obj: bytes, filepath: Any) -> None:
        atomic_write(filepath, obj)

    def put_text(self: Any, obj: str, filepath: Any,
                 encoding: str = 'utf-8') -> None:
        atomic_write(filepath, obj, encoding=encoding)

    LocalBackend.put, LocalBackend.put_text = put, put_text
    CheckpointHook._save_checkpoint_with_step = _save_checkpoint_with_step
    _refuse_non_finite_saves()


def _refuse_non_finite_saves() -> None:
    """The runner's ``save_checkpoint`` refuses NaN/inf weights."""
    import mmengine.runner.runner as runner_module

    from mmhad.utils.checkpoint_io import check_finite_state
    save = runner_module.save_checkpoint
    if getattr(save, '_mmhad_finite', False):
        return

    def save_finite(checkpoint: dict, filename: str, *args: Any,
                    **kwargs: Any) -> None:
        check_finite_state(checkpoint, filename)
        save(checkpoint, filename, *args, **kwargs)

    save_finite._mmhad_finite = True
    runner_module.save_checkpoint = save_finite


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
    patch_checkpoint_saving()
    _APPLIED = True
