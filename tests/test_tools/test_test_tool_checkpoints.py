"""tools/test.py scores the config tasks a checkpoint has learned and
refuses one whose heads differ from the config's, that learned none of its
tasks, or that is empty; tiny checkpoints written here."""
import os.path as osp
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from tests.test_tools.utils import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
JOINT = osp.join(REPO, 'configs/joint/joint_r18-d8_1xb8-1x450it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py')
test_tool = load_tool('test.py')
CheckpointTasksError = test_tool.CheckpointTasksError


def config() -> Config:
    """A model config with semantic + depth heads (normal removed)."""
    return Config(dict(model=dict(decode_heads=dict(
        semantic=dict(type='ASPPHead'), depth=dict(type='DepthASPPHead'),
        normal=None))))


def write_checkpoint(path, heads=('depth', 'semantic'), mask=None,
                     prefix='') -> str:
    """A checkpoint with one weight per head and ``learned_mask`` (flags
    sorted by task name; None: no mask)."""
    state = {f'{prefix}backbone.conv.weight': torch.zeros(2, 3, 1, 1)}
    for task in heads:
        state[f'{prefix}decode_heads.{task}.conv_seg.weight'] = torch.ones(1)
    if mask is not None:
        state[f'{prefix}learned_mask'] = torch.tensor(mask)
    torch.save(dict(state_dict=state, meta=dict()), str(path))
    return str(path)


def test_a_checkpoint_that_learned_every_config_task_passes(tmp_path):
    full = write_checkpoint(tmp_path / 'a.pth', mask=[True, True])
    assert test_tool.check_checkpoint(config(), full) == ['semantic', 'depth']
    # a wrapped model's keys and no mask (all heads learned)
    wrapped = write_checkpoint(tmp_path / 'b.pth', prefix='module.')
    assert test_tool.check_checkpoint(config(), wrapped) == [
        'semantic', 'depth']


def test_an_early_phase_scores_its_learned_tasks_only(tmp_path):
    # flags sorted by name: depth not learned yet, semantic learned
    ckpt = write_checkpoint(tmp_path / 'phase0.pth', mask=[False, True])
    assert test_tool.check_checkpoint(config(), ckpt) == ['semantic']


def test_missing_and_unexpected_heads_are_refused(tmp_path):
    ckpt = write_checkpoint(tmp_path / 'single.pth', heads=('semantic', ),
                            mask=[True])
    with pytest.raises(CheckpointTasksError) as error:
        test_tool.check_checkpoint(config(), ckpt)
    message = str(error.value)
    assert ckpt in message
    assert "the config has tasks ['semantic', 'depth']" in message
    assert "the checkpoint has learned ['semantic']" in message
    assert "no head weights for ['depth']" in message
    extra = write_checkpoint(tmp_path / 'extra.pth',
                             heads=('depth', 'normal', 'semantic'))
    with pytest.raises(CheckpointTasksError,
                       match=r"heads the config does not have: \['normal'\]"):
        test_tool.check_checkpoint(config(), extra)


def test_a_checkpoint_that_learned_none_of_the_tasks_is_refused(tmp_path):
    none = write_checkpoint(tmp_path / 'n.pth', mask=[False, False])
    with pytest.raises(CheckpointTasksError,
                       match='learned_mask marks none of them'):
        test_tool.check_checkpoint(config(), none)
    bad = write_checkpoint(tmp_path / 'm.pth', mask=[True])
    with pytest.raises(CheckpointTasksError, match='learned_mask has 1'):
        test_tool.check_checkpoint(config(), bad)


def test_an_empty_state_dict_is_refused(tmp_path):
    empty = str(tmp_path / 'empty.pth')
    torch.save(dict(state_dict={}), empty)
    with pytest.raises(CheckpointTasksError,
                       match='empty.pth has an empty state_dict'):
        test_tool.check_checkpoint(config(), empty)


def test_main_refuses_before_building_the_runner(tmp_path):
    ckpt = write_checkpoint(tmp_path / 'semantic.pth', heads=('semantic', ),
                            mask=[True])
    with pytest.raises(CheckpointTasksError,
                       match=r"tasks \['semantic', 'depth', 'normal'\]"):
        test_tool.main([JOINT, ckpt, '--work-dir', str(tmp_path / 'w')])


def test_the_script_exits_non_zero_with_one_message(tmp_path):
    empty = str(tmp_path / 'empty.pth')
    torch.save(dict(state_dict={}), empty)
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), JOINT, empty,
         '--work-dir', str(tmp_path / 'w')],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=300)
    assert proc.returncode == 2  # mmhad.utils.cli.USER_ERROR_EXIT
    assert proc.stderr.strip().splitlines()[-1] == (
        f'mmhad: error: checkpoint {empty} has an empty state_dict: no '
        'weights to test')
    assert 'Traceback' not in proc.stderr


def test_the_hook_sets_and_logs_the_scored_tasks():
    calls, infos = [], []
    model = SimpleNamespace(set_tasks=lambda learned: calls.append(learned),
                            learned_tasks=['semantic'])
    logger = SimpleNamespace(warning=None, info=infos.append)
    hook = test_tool.LogLearnedTasksHook(['semantic'], ['depth'], 'c.pth')
    hook.before_test(SimpleNamespace(model=model, logger=logger))
    assert calls == [['semantic']]
    assert infos[0] == ("Checkpoint c.pth has learned ['semantic']; not "
                        "learned (yet), not scored: ['depth']")
