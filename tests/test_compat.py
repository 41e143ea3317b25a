"""mmhad.compat: each workaround does its job and nothing more."""
import os
import pickle
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import _load_checkpoint
from mmengine.utils.dl_utils import mmcv_full_available

from mmhad import compat


def test_mmcv_ext_stand_in_imports_but_ops_fail_clearly():
    if not isinstance(sys.modules.get('mmcv._ext'),
                      compat._MissingExtModule):
        pytest.skip('a compiled mmcv._ext is installed')
    import mmseg.models  # noqa: F401  (imports mmcv.ops at module level)
    from mmcv.ops import PSAMask
    assert mmcv_full_available() is False
    with pytest.raises(RuntimeError, match='"psamask_forward" needs the '
                       'compiled mmcv._ext'):
        sys.modules['mmcv._ext'].psamask_forward(1, 2)
    assert PSAMask is not None
    assert compat.install_mmcv_ext_stub() is False  # idempotent


def save_mmengine_style_checkpoint(path):
    hub = MessageHub('compat-test')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/acc', np.float32(3.0))
    hub.update_info('iter', np.int64(7))
    torch.save({'message_hub': hub.state_dict(),
                'state_dict': {'w': torch.arange(3.0)}}, path)


def test_mmengine_checkpoints_load_weights_only(tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    save_mmengine_style_checkpoint(path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.arange(3.0))
    buffer = ckpt['message_hub']['log_scalars']['train/acc']
    assert isinstance(buffer, HistoryBuffer) and buffer.current() == 3.0
    assert ckpt['message_hub']['runtime_info']['iter'] == 7
    # weights-only stays the default everywhere else
    assert not os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD')
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


class _Lookup:
    """Pickles as ``getattr(owner, name)``, like HistoryBuffer's methods."""

    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def __reduce__(self):
        return (getattr, (self.owner, self.name))


@pytest.mark.parametrize('owner,name', [(np.ndarray, 'tofile'),
                                        (HistoryBuffer, '__init__')])
def test_only_history_buffer_lookups_pass_the_getattr_allow_list(
        tmp_path, owner, name):
    path = str(tmp_path / 'evil.pth')
    torch.save({'x': _Lookup(owner, name)}, path)
    with pytest.raises((pickle.UnpicklingError, ValueError)):
        _load_checkpoint(path, map_location='cpu')
    assert compat._history_buffer_method(HistoryBuffer, 'mean') is \
        HistoryBuffer.mean
    with pytest.raises(ValueError, match='only HistoryBuffer statistics'):
        compat._history_buffer_method(HistoryBuffer, '__init__')


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))


def test_cpu_launch_is_a_no_op_without_launcher():
    cfg = Config(dict(launcher='none', model=dict(
        norm_cfg=dict(type='SyncBN'))))
    assert compat.prepare_cpu_launch(cfg) is False
    assert cfg.model.norm_cfg.type == 'SyncBN'


def test_sync_bn_to_bn_reaches_nested_configs():
    tree = dict(backbone=dict(norm_cfg=dict(type='SyncBN')),
                heads=[dict(norm_cfg=dict(type='SyncBN')),
                       dict(norm_cfg=dict(type='GN'))])
    assert compat._sync_bn_to_bn(tree) == 2
    assert tree['backbone']['norm_cfg']['type'] == 'BN'
    assert [h['norm_cfg']['type'] for h in tree['heads']] == ['BN', 'GN']
