"""Safe reading and crash-safe writing of checkpoints and run files.

* :func:`safe_torch_load` is the one ``torch.load`` that mmhad lets touch a
  checkpoint: weights-only, with the allow-list of
  :func:`mmhad.compat.mmengine_safe_globals`; anything else is refused with a
  :class:`CheckpointRefusedError` that names the file and says what to do.
* :func:`atomic_write` writes a file so that a reader (or a resumed run)
  sees either the old content or the complete new one, never a torn file:
  temp file in the same folder, flush, ``fsync``, ``os.replace``, ``fsync``
  of the folder.
* :func:`find_latest_checkpoint` reads ``{work_dir}/last_checkpoint`` and
  accepts only a file inside the work dir.
"""
import glob
import os
import os.path as osp
import pickle
import tempfile
import time
from typing import Any, Optional, Union

from .errors import (CheckpointNotFoundError, UnsafeLastCheckpointError,
                     UserError)

REFUSAL_ADVICE = (
    'mmhad loads checkpoints weights-only so that a file from elsewhere '
    'cannot run code. If you trust the file, re-save it as a plain dict of '
    'tensors in a trusted environment, e.g. torch.save({"state_dict": '
    'model.state_dict()}, "clean.pth"), and load that instead.')


class CheckpointRefusedError(UserError, pickle.UnpicklingError):
    """A checkpoint needs objects outside mmhad's weights-only allow-list."""


class NonFiniteCheckpointError(UserError, RuntimeError):
    """A checkpoint about to be written holds NaN or inf weights."""


def check_finite_state(checkpoint: dict, filename: str) -> None:
    """Refuse to write ``checkpoint`` if a floating tensor of its
    ``state_dict`` (or of the teacher it stores) is not finite (the run diverged: lower the lr, check the
    data); the previous checkpoint and ``last_checkpoint`` stay."""
    for part in ('state_dict', 'mmhad_teacher'):
        key = first_non_finite(checkpoint.get(part) or {})
        if key is not None:
            name = key if part == 'state_dict' else f'{part}.{key}'
            raise NonFiniteCheckpointError(
                f'Not writing {filename}: weight {name} holds NaN/inf (the '
                'training diverged; lower the lr or check the data). The '
                'last complete checkpoint is kept; resume from it.')


def first_non_finite(state: dict) -> Optional[str]:
    """Key of the first floating tensor of ``state`` holding NaN/inf, or
    None when every one is finite."""
    import torch
    for key, value in state.items():
        if torch.is_tensor(value) and value.is_floating_point() and \
                not bool(torch.isfinite(value).all()):
            return key
    return None


def _unsupported_reason(error: Exception) -> str:
    """The line of torch's message that says what was refused (not its
    advice to retry with ``weights_only=False``)."""
    for line in str(error).splitlines():
        line = line.strip()
        if line.startswith(('WeightsUnpickler error', 'Unsupported')):
            return line.split('. Please use')[0]
    return type(error).__name__


def safe_torch_load(f: Any, map_location: Any = None,
                    name: Optional[str] = None) -> Any:
    """``torch.load`` weights-only with mmengine's bookkeeping allowed.

    Args:
        f: A path or a file-like object, as for ``torch.load``.
        map_location: As for ``torch.load``.
        name (str, optional): What to call the file in a refusal (its path
            or URL); defaults to ``f`` when it is a path.

    Returns:
        The loaded object.

    Raises:
        CheckpointRefusedError: The file needs unpickling of something the
            allow-list does not hold.
    """
    import torch

    from mmhad.compat import mmengine_safe_globals, original_torch_load
    name = name or (str(f) if isinstance(f, (str, os.PathLike)) else
                    getattr(f, 'name', '<buffer>'))
    try:
        with torch.serialization.safe_globals(mmengine_safe_globals()):
            return original_torch_load(
                f, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, ValueError) as error:
        if isinstance(error, CheckpointRefusedError):
            raise
        raise CheckpointRefusedError(
            f'Refusing to load checkpoint {name}: it holds objects outside '
            f'the weights-only allow-list ({_unsupported_reason(error)}). '
            f'{REFUSAL_ADVICE}') from None


def atomic_write(path: Union[str, os.PathLike], data: Union[bytes, str],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``path`` crash-safely.

    The data goes to a temp file in the same folder, is flushed and
    fsynced, and replaces ``path`` with ``os.replace`` (atomic on POSIX and
    Windows); the folder is fsynced so the rename survives a power cut.
    If anything fails, ``path`` is untouched and the temp file is removed.
    After a successful write, temp files that earlier writes of the same
    ``path`` left behind when they were killed (older than
    :data:`STALE_TEMP_AGE`) are removed.

    Args:
        path: The destination file.
        data (bytes | str): The whole content; ``str`` is encoded.
        encoding (str): Encoding of a ``str`` ``data``.
    """
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode(encoding)
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(folder)
    _remove_stale_temp_files(folder, osp.basename(path))


#: Age (s) after which a temp file of :func:`atomic_write` counts as left
#: behind by a killed write; younger ones may belong to a writer of the same
#: file that is still running (e.g. another rank dumping the same log).
STALE_TEMP_AGE = 600


def _remove_stale_temp_files(folder: str, name: str) -> None:
    """Remove ``.{name}.*.tmp`` files older than :data:`STALE_TEMP_AGE`."""
    now = time.time()
    for stale in glob.glob(osp.join(folder, glob.escape(f'.{name}.') +
                                    '*.tmp')):
        try:
            if now - osp.getmtime(stale) > STALE_TEMP_AGE:
                os.remove(stale)
        except OSError:  # removed meanwhile, or not ours to remove
            pass


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def find_latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint that ``{work_dir}/last_checkpoint`` names, if any.

    Only a file inside ``work_dir`` is accepted: a shared work dir whose
    ``last_checkpoint`` was edited to point at a URL or at a file elsewhere
    must not make ``--resume`` load it. Pass such a file explicitly with
    ``--resume PATH`` if you mean it.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str | None: The checkpoint path, or None when there is no
        ``last_checkpoint`` file.

    Raises:
        ValueError: ``last_checkpoint`` names something outside the work
            dir.
        FileNotFoundError: It names a file that does not exist.
    """
    save_file = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(save_file):
        return None
    with open(save_file, encoding='utf-8') as f:
        named = f.read().strip()
    root = osp.realpath(work_dir)
    target = osp.realpath(osp.join(root, osp.expanduser(named)))
    if '://' in named or osp.commonpath([root, target]) != root:
        raise UnsafeLastCheckpointError(
            f'{save_file} names "{named}", which is not a file inside the '
            f'work dir {work_dir}; refusing to resume from it. Pass the '
            'checkpoint explicitly with --resume PATH if you trust it, or '
            'delete last_checkpoint to start from scratch.')
    if not osp.isfile(target):
        raise CheckpointNotFoundError(
            f'{save_file} names {named}, which does not exist; pass an '
            'existing checkpoint with --resume PATH.')
    return target
