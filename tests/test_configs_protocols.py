"""Each protocol switch changes what it should and nothing else."""
from pathlib import Path

import pytest
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[1] / 'configs'
PAIRS = {  # paper-protocol leaf -> the same method under the mmhad protocol
    'protocols/finetune_r18-d8_3phase_synthetic_paper-protocol.py':
    'baselines/finetune_r18-d8_3phase_synthetic.py',
    'protocols/lwf_r18-d8_3phase_synthetic_paper-protocol.py':
    'baselines/lwf_r18-d8_3phase_synthetic.py',
    'protocols/had_r18-d8_3phase_synthetic_paper-protocol.py':
    'had/had_r18-d8_3phase_synthetic.py',
    'protocols/had-paper_r18-d8_3phase_synthetic_paper-protocol.py':
    'had/ablations/had-paper_r18-d8_3phase_synthetic.py',
    'protocols/had-release_r18-d8_3phase_synthetic_paper-protocol.py':
    'had/ablations/had-release_r18-d8_3phase_synthetic.py',
    'protocols/ewc_r18-d8_3phase_synthetic_paper-protocol.py':
    'baselines/ewc_r18-d8_3phase_synthetic.py',
    'protocols/had_r18-d8_nyuv2_seg-depth-normal_paper-protocol.py':
    'had/had_r18-d8_nyuv2_seg-depth-normal.py',
    'protocols/lwf_r18-d8_nyuv2_seg-depth-normal_paper-protocol.py':
    'baselines/lwf_r18-d8_nyuv2_seg-depth-normal.py',
    'protocols/finetune_r18-d8_nyuv2_seg-depth-normal_paper-protocol.py':
    'baselines/finetune_r18-d8_nyuv2_seg-depth-normal.py',
    'protocols/had_r18-d8_cityscapes-7cls_seg-depth_paper-protocol.py':
    'had/had_r18-d8_cityscapes-7cls_seg-depth.py',
    'protocols/finetune_r18-d8_cityscapes-7cls_seg-depth_paper-protocol.py':
    'baselines/finetune_r18-d8_cityscapes-7cls_seg-depth.py',
}


def load(rel: str) -> dict:
    cfg = Config.fromfile(str(ROOT / rel)).to_dict()
    return {k: v for k, v in cfg.items() if not k.startswith('paper_')}


def diff_keys(a: dict, b: dict, prefix: str = '') -> set:
    """Dotted keys whose values differ between two nested dicts."""
    out = set()
    for key in set(a) | set(b):
        va, vb = a.get(key), b.get(key)
        if isinstance(va, dict) and isinstance(vb, dict):
            out |= diff_keys(va, vb, f'{prefix}{key}.')
        elif va != vb:
            out.add(f'{prefix}{key}')
    return out


@pytest.mark.parametrize('paper,mmhad', sorted(PAIRS.items()))
def test_paper_protocol_changes_hooks_augmentation_and_order(paper, mmhad):
    p, m = load(paper), load(mmhad)
    assert diff_keys(p, m) == {'custom_hooks', 'train_dataloader.sampler.'
                               'shuffle', 'train_dataloader.dataset.pipeline'}
    # the student trains fully in train mode: StudentModeHook removed
    assert [h for h in m['custom_hooks']
            if h['type'] != 'StudentModeHook'] == p['custom_hooks']
    assert p['train_dataloader']['sampler']['shuffle'] is False
    # no augmentation: the mmhad pipeline without its random flip / scale
    assert [t for t in m['train_dataloader']['dataset']['pipeline']
            if not t['type'].startswith('Random')] == \
        p['train_dataloader']['dataset']['pipeline']


def test_paper_protocol_joint_changes_augmentation_and_order_only():
    p = load('protocols/joint_r18-d8_synthetic_paper-protocol.py')
    m = load('joint/joint_r18-d8_synthetic.py')
    assert diff_keys(p, m) == {'train_dataloader.sampler.shuffle',
                               'train_dataloader.dataset.pipeline'}
    assert [t for t in m['train_dataloader']['dataset']['pipeline']
            if not t['type'].startswith('Random')] == \
        p['train_dataloader']['dataset']['pipeline']


def test_paper_exact_had_changes_eps_and_sobel_padding_only():
    had = load('had/had_r18-d8_3phase_synthetic.py')
    paper = load('had/ablations/had-paper_r18-d8_3phase_synthetic.py')
    changed = diff_keys(paper, had)
    # semantic's eps was the default 1e-6 and is now written out
    assert changed == {'train_cfg.method'} | {
        f'model.distill_loss.losses.{t}.{k}'
        for t in ('semantic', 'depth', 'normal')
        for k in ('eps', 'sobel_padding')}
    for loss in paper['model']['distill_loss']['losses'].values():
        assert loss['eps'] == 1e-6 and loss['sobel_padding'] == 'zeros'
