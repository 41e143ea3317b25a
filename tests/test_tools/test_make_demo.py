"""`make demo` end to end, on the tiny scenes with a 1-iteration schedule.

Runs only where ``make install`` has nothing to do (the venv running the
tests holds this clone's pins and its editable mmhad, as under ``make test``
and CI), so the test never installs anything.
"""
import glob
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

import mmhad
from tests.test_engine.utils import REPO, make_tiny_scenes

REQS = ('requirements/torch.txt', 'requirements/runtime.txt',
        'requirements/tests.txt')
#: A thin model and one iteration per phase (the tiny_config of the tests).
TINY = ' '.join(
    [f'train_cfg.phases.{i}.max_iters=1' for i in range(3)] +
    ['train_dataloader.batch_size=2', 'model.backbone.stem_channels=8',
     'model.backbone.base_channels=8'] +
    [f'model.decode_heads.{t}.{k}' for t in ('semantic', 'depth', 'normal')
     for k in ('in_channels=64', 'channels=16')])


def install_is_a_no_op() -> bool:
    """Whether this venv has the stamp of the current pins and imports
    this clone's mmhad (then ``make install`` runs nothing)."""
    paths = [osp.join(REPO, r) for r in REQS]
    digest = hashlib.sha256(b''.join(open(p, 'rb').read() for p in paths))
    stamp = osp.join(sys.prefix,
                     f'.mmhad-requirements-{digest.hexdigest()[:12]}')
    return (osp.isfile(stamp)
            and all(osp.getmtime(stamp) >= osp.getmtime(p) for p in paths)
            and osp.samefile(osp.dirname(mmhad.__file__),
                             osp.join(REPO, 'mmhad')))


@pytest.mark.skipif(shutil.which('make') is None, reason='no make')
def test_make_demo_prints_both_runs_and_writes_plot_and_panel(tmp_path):
    if not install_is_a_no_op():
        pytest.skip('make install would install into this venv')
    data = make_tiny_scenes(str(tmp_path / 'scenes'))
    work = tmp_path / 'demo'
    out = subprocess.run(
        ['make', '-C', REPO, 'demo', f'VENV={sys.prefix}',
         f'DEMO_DATA={data}', f'DEMO_WORK_DIR={work}', f'DEMO_EXTRA={TINY}'],
        capture_output=True, text=True, timeout=600,
        env=dict(os.environ, MAKEFLAGS=''))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert '|  | had | finetune |' in out.stdout
    assert '| Δm vs finetune (%, higher is better) |' in out.stdout
    assert 'forgetting of semantic' in out.stdout
    assert 'panel of 3 task(s) written to' in out.stdout
    for name in ('lhl_plot.png', 'had_panel.png', 'lhl_report.md'):
        assert (work / name).stat().st_size > 0, name
    assert glob.glob(str(work / 'had' / 'phase2_normal.pth'))
    assert f'the plot is {work}/lhl_plot.png' in out.stdout
