"""End-to-end tests of tools/train.py, tools/test.py and tools/dist_*.sh.

Every run uses the real configs on a tiny synthetic set (12 train / 5 val
images of 32 x 48; 5 is odd on purpose, so that the distributed sampler pads
one rank with a duplicate), 16-channel heads and a few iterations.
"""
import glob
import json
import math
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
import pytest
import torch

from mmhad.datasets.synthetic_scenes import generate_dataset
from tests.test_tools.utils import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
JOINT = 'configs/joint/joint_r18-d8_1xb8-1x450it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
HAD = 'configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
MMPRETRAIN_R18 = 'configs/joint/joint_mmpretrain-r18-d8_1xb8-1x450it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
MIT_B0 = 'configs/joint/joint_mit-b0_1xb8-1x450it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'
TASKS = ('semantic', 'depth', 'normal')
NUM_VAL = 5
HEIGHT, WIDTH = 32, 48
PROBE = 'tests.test_tools.dist_probe'
JOINT_CKPT = 'phase0_semantic+depth+normal.pth'

train_tool = load_tool('train.py')
test_tool = load_tool('test.py')


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors gain nothing from intra-op threads, and on a busy
    2-core machine spinning OpenMP threads make a step several times
    slower (torchrun sets OMP_NUM_THREADS=1 for the distributed runs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def scenes(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('scenes'))
    generate_dataset(root, num_train=12, num_val=NUM_VAL, height=HEIGHT,
                     width=WIDTH, seed=0)
    return root


def tiny_options(data_root: str,
                 phase_iters: Sequence[int] = (2, ),
                 heads: Sequence[str] = TASKS,
                 thin_resnet: bool = True) -> List[str]:
    """``--cfg-options`` shrinking a synthetic config to seconds.

    ``thin_resnet`` makes the ResNetV1c stages 8x thinner (64 output
    channels), which keeps each checkpoint near 2 MB instead of 200 MB.
    """
    options = [f'{split}_dataloader.{key}'
               for split in ('train', 'val', 'test')
               for key in (f'dataset.data_root={data_root}', 'batch_size=2')]
    options += [f'train_cfg.phases.{i}.max_iters={n}'
                for i, n in enumerate(phase_iters)]
    for task in heads:
        options += [f'model.decode_heads.{task}.channels=16',
                    f'model.decode_heads.{task}.dilations=(1,2)']
        if thin_resnet:
            options.append(f'model.decode_heads.{task}.in_channels=64')
    if thin_resnet:
        options += ['model.backbone.stem_channels=8',
                    'model.backbone.base_channels=8']
    # the phase checkpoints are enough: no extra iter_N.pth to write
    options += ['default_hooks.logger.interval=1',
                'default_hooks.checkpoint.save_last=False']
    return options


def results_json(work_dir: str) -> dict:
    with open(osp.join(work_dir, 'continual_results.json')) as f:
        return json.load(f)


def tasks_of(metrics: Dict[str, float]) -> List[str]:
    return sorted({k.split('/')[0] for k in metrics} - {'probe'})


def assert_metrics_close(actual: Dict[str, float],
                         expected: Dict[str, float]) -> None:
    keys = [k for k in expected if not k.startswith('probe/')]
    assert sorted(actual) == sorted(keys)
    for key in keys:
        assert math.isclose(actual[key], expected[key], rel_tol=1e-5,
                            abs_tol=1e-6), (key, actual[key], expected[key])


def run_test_tool(config: str, checkpoint: str, data_root: str,
                  work_dir: str, extra: Sequence[str] = ()) -> dict:
    argv = [osp.join(REPO, config), checkpoint, '--work-dir', work_dir,
            *extra, '--cfg-options', *tiny_options(data_root, phase_iters=())]
    return test_tool.main(argv)


# ------------------------------------------------------------- in-process
def test_train_then_test_scores_all_tasks(scenes, tmp_path):
    work = str(tmp_path / 'joint')
    runner = train_tool.main([
        osp.join(REPO, JOINT), '--work-dir', work, '--cfg-options',
        *tiny_options(scenes)
    ])
    assert runner.iter == 2
    val_metrics = results_json(work)['phases'][0]['metrics']

    out, show = str(tmp_path / 'out'), str(tmp_path / 'show')
    metrics = run_test_tool(JOINT, osp.join(work, JOINT_CKPT), scenes,
                            str(tmp_path / 'test'),
                            ['--out', out, '--show-dir', show])
    # every task, the same numbers as the validation at the end of training
    assert tasks_of(metrics) == sorted(TASKS)
    assert_metrics_close(metrics, val_metrics)

    # --out: one prediction per val image and task, in the dataset layout
    expected = dict(label=((HEIGHT, WIDTH), np.float32),
                    depth=((HEIGHT, WIDTH, 1), np.float32),
                    normal=((HEIGHT, WIDTH, 3), np.float32))
    for folder, (shape, dtype) in expected.items():
        files = sorted(os.listdir(osp.join(out, folder)))
        assert files == [f'{i}.npy' for i in range(NUM_VAL)]
        pred = np.load(osp.join(out, folder, files[0]))
        assert pred.shape == shape and pred.dtype == dtype
    labels = np.load(osp.join(out, 'label', '0.npy'))
    assert labels.min() >= 0 and labels.max() < 6
    normals = np.load(osp.join(out, 'normal', '0.npy'))
    np.testing.assert_allclose(np.linalg.norm(normals, axis=-1), 1, atol=1e-4)

    # --show-dir: one panel per sample (rows = tasks: GT | prediction)
    images = glob.glob(osp.join(show, '**', '*.png'), recursive=True)
    names = sorted(osp.basename(p) for p in images)
    assert names == sorted(f'test_{i}_0.png' for i in range(NUM_VAL))


@pytest.mark.parametrize('config', [MMPRETRAIN_R18, MIT_B0])
def test_backbone_swap_by_config(config, scenes, tmp_path):
    work = str(tmp_path / 'work')
    runner = train_tool.main([
        osp.join(REPO, config), '--work-dir', work, '--cfg-options',
        *tiny_options(scenes, thin_resnet=False),
        'val_dataloader.dataset.indices=2'
    ])
    backbone = runner.model.backbone
    if config == MMPRETRAIN_R18:
        assert type(backbone).__module__.startswith('mmpretrain.')
        assert type(backbone).__name__ == 'ResNet'
    else:
        assert type(backbone).__name__ == 'MixVisionTransformer'
    assert runner.iter == 2
    metrics = results_json(work)['phases'][0]['metrics']
    assert tasks_of(metrics) == sorted(TASKS)
    assert all(math.isfinite(v) for v in metrics.values())


# ------------------------------------------------------------ distributed
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def dist_train(config: str, work_dir: str, options: Sequence[str],
               nproc: int = 2) -> None:
    """``bash tools/dist_train.sh`` in a subprocess, with the test probes."""
    probes = [
        f'custom_imports.imports=[mmhad,{PROBE}]',
        'default_hooks.rank_dump.type=RankStateDumpHook',
        f'default_hooks.rank_dump.out_dir={osp.join(work_dir, "ranks")}',
        'val_evaluator.type=CountingMultiTaskMetric',
    ]
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()))
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'),
         osp.join(REPO, config), str(nproc), '--work-dir', work_dir,
         '--cfg-options', *options, *probes],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:]


def rank_dumps(work_dir: str, nproc: int = 2) -> List[dict]:
    return [
        torch.load(osp.join(work_dir, 'ranks', f'rank{r}.pth'),
                   map_location='cpu', weights_only=False)
        for r in range(nproc)
    ]


def assert_same_state(a: Dict[str, torch.Tensor],
                      b: Dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differ, f'{len(differ)} entries differ, e.g. {differ[:5]}'


def val_depth_valid_pixels(data_root: str) -> int:
    return sum(
        int((np.load(p) > 0).sum())
        for p in glob.glob(osp.join(data_root, 'val', 'depth', '*.npy')))


def assert_gathered_once(metrics: Dict[str, float], data_root: str,
                         with_depth: bool = True) -> None:
    """The metric got one result per val image: none lost, none doubled."""
    assert metrics['probe/num_results'] == NUM_VAL
    expected = val_depth_valid_pixels(data_root) if with_depth else 0
    assert metrics['probe/depth_valid_pixels'] == expected


def checkpoint_state(path: str) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)


@pytest.fixture(scope='module')
def dist_joint(scenes, tmp_path_factory) -> str:
    work = str(tmp_path_factory.mktemp('dist_joint'))
    dist_train(JOINT, work, tiny_options(scenes, phase_iters=(3, )))
    return work


@pytest.fixture(scope='module')
def dist_had(scenes, tmp_path_factory) -> str:
    work = str(tmp_path_factory.mktemp('dist_had'))
    dist_train(HAD, work, tiny_options(scenes, phase_iters=(1, 1, 1)))
    return work


def test_dist_train_joint_ranks_agree(dist_joint, scenes, tmp_path):
    ranks = rank_dumps(dist_joint)
    assert [r['rank'] for r in ranks] == [0, 1]
    # parameters and BN statistics identical on both ranks, and what rank 0
    # saved is what both ranks hold
    assert_same_state(ranks[0]['state_dict'], ranks[1]['state_dict'])
    ckpt = checkpoint_state(osp.join(dist_joint, JOINT_CKPT))
    assert_same_state(ckpt['state_dict'], ranks[0]['state_dict'])
    # each rank took 3 steps on the joint losses
    for rank in ranks:
        assert sorted(rank['loss_keys']) == [0, 1, 2]
        assert {'depth.loss_depth', 'normal.loss_normal',
                'semantic.loss_ce'} <= set(rank['loss_keys'][2])

    val_metrics = results_json(dist_joint)['phases'][0]['metrics']
    assert tasks_of(val_metrics) == sorted(TASKS)
    assert_gathered_once(val_metrics, scenes)
    # distributed validation == single-process test of the saved checkpoint
    metrics = run_test_tool(JOINT, osp.join(dist_joint, JOINT_CKPT),
                            scenes, str(tmp_path / 'test'))
    assert_metrics_close(metrics, val_metrics)


def test_dist_train_had_three_phases_with_teacher(dist_had, scenes):
    results = results_json(dist_had)
    assert [p['task'] for p in results['phases']] == list(TASKS)
    assert [tasks_of(p['metrics']) for p in results['phases']] == [
        ['semantic'], ['depth', 'semantic'], ['depth', 'normal', 'semantic']
    ]
    for i, phase in enumerate(results['phases']):
        assert_gathered_once(phase['metrics'], scenes, with_depth=i > 0)

    ranks = rank_dumps(dist_had)
    assert_same_state(ranks[0]['state_dict'], ranks[1]['state_dict'])
    # the teacher of the last phase is the model at the end of phase 1, on
    # both ranks, and is what the checkpoint stores
    phase1 = checkpoint_state(osp.join(dist_had, 'phase1_depth.pth'))
    final = checkpoint_state(osp.join(dist_had, 'phase2_normal.pth'))
    for rank in ranks:
        assert rank['learned_tasks'] == list(TASKS)
        assert_same_state(rank['teacher_state_dict'], phase1['state_dict'])
    assert_same_state(final['mmhad_teacher'], phase1['state_dict'])
    # phase k > 0 distils the old tasks (and only those) on every rank
    for rank in ranks:
        keys = rank['loss_keys']
        assert 'loss_distill' not in keys[0]
        assert {'loss_distill', 'distill_semantic'} <= set(keys[1])
        assert 'distill_depth' not in keys[1]
        assert {'distill_semantic', 'distill_depth'} <= set(keys[2])
        assert 'distill_normal' not in keys[2]


def test_test_tool_phase0_checkpoint_scores_semantic_only(
        dist_had, scenes, tmp_path):
    """A continual checkpoint is scored on the tasks it has learned (its
    ``learned_mask``), although the config has three heads and the val set
    carries all labels; drawing copes with the unlearned tasks."""
    show = str(tmp_path / 'show')
    metrics = run_test_tool(HAD, osp.join(dist_had, 'phase0_semantic.pth'),
                            scenes, str(tmp_path / 'test'),
                            ['--show-dir', show])
    assert tasks_of(metrics) == ['semantic']
    assert_metrics_close(metrics,
                         results_json(dist_had)['phases'][0]['metrics'])
    images = glob.glob(osp.join(show, '**', '*.png'), recursive=True)
    assert sorted(osp.basename(p) for p in images) == [
        f'test_{i}_0.png' for i in range(NUM_VAL)
    ]  # class maps only: no depth, no normals


def test_dist_test_script_phase1_checkpoint(dist_had, scenes, tmp_path):
    """``tools/dist_test.sh`` on 2 CPU processes: the phase-1 checkpoint is
    scored on semantic + depth over the whole val set, as in training, and
    --out writes the predictions of those two tasks only."""
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()))
    out = tmp_path / 'out'
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_test.sh'),
         osp.join(REPO, HAD), osp.join(dist_had, 'phase1_depth.pth'), '2',
         '--work-dir', str(tmp_path / 'test'), '--out', str(out),
         '--cfg-options', *tiny_options(scenes, phase_iters=())],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:]
    logged = _last_test_line(proc.stdout)
    expected = results_json(dist_had)['phases'][1]['metrics']
    assert tasks_of(logged) == ['depth', 'semantic']
    for key, value in expected.items():
        if not key.startswith('probe/'):
            assert math.isclose(logged[key], value, abs_tol=1e-4), key
    assert sorted(os.listdir(out)) == ['depth', 'label']
    for folder in ('label', 'depth'):
        assert len(os.listdir(out / folder)) == NUM_VAL


def _last_test_line(log: str) -> Dict[str, float]:
    """Metrics of the final ``Iter(test)`` log line (rounded to 4 places)."""
    line: Optional[str] = None
    for candidate in log.splitlines():
        if 'Iter(test)' in candidate and 'semantic/mIoU' in candidate:
            line = candidate
    assert line is not None, log[-3000:]
    words = line.split()
    return {
        w[:-1]: float(v)
        for w, v in zip(words, words[1:]) if w.endswith(':') and '/' in w
    }
