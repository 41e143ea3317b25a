"""A phase checkpoint stores the teacher once: it equals the student there."""
import os.path as osp

import torch

from mmhad.engine.hooks.teacher_hook import (CHECKPOINT_KEY,
                                             SAME_AS_STUDENT_KEY)
from tests.test_engine.test_continual_loop import scenes  # noqa: F401
from tests.test_engine.utils import tiny_config, train

HAD = 'configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def test_phase_checkpoint_stores_the_teacher_once(scenes, tmp_path):
    work_dir = str(tmp_path / 'had')
    train(tiny_config(HAD, scenes, work_dir))
    # phase 0 ends at iter 3: the teacher is frozen, then phase0 is written
    phase0 = _load(osp.join(work_dir, 'phase0_semantic.pth'))
    assert phase0[SAME_AS_STUDENT_KEY] is True
    assert CHECKPOINT_KEY not in phase0
    # mid-phase 1 the student has moved on: the teacher is stored
    mid = _load(osp.join(work_dir, 'iter_4.pth'))
    assert SAME_AS_STUDENT_KEY not in mid
    teacher = mid[CHECKPOINT_KEY]
    assert teacher.keys() == phase0['state_dict'].keys()
    assert all(torch.equal(teacher[k], phase0['state_dict'][k])
               for k in teacher)
    # what storing it twice would cost: about the teacher's size
    teacher_bytes = sum(v.numel() * v.element_size()
                        for v in teacher.values())
    twice = str(tmp_path / 'twice.pth')
    copy = {k: v.clone() for k, v in phase0['state_dict'].items()}
    torch.save(dict(phase0, **{CHECKPOINT_KEY: copy}),
               twice)
    saved = osp.getsize(twice) - osp.getsize(
        osp.join(work_dir, 'phase0_semantic.pth'))
    assert abs(saved - teacher_bytes) < 0.1 * teacher_bytes
