"""Issue 7: weights-only loading on every path, crash-safe writes."""
import functools
import http.server
import os
import threading
import time
from collections import deque

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.logging import MessageHub
from mmengine.runner import runner as runner_module
from mmengine.runner.checkpoint import (CheckpointLoader, _load_checkpoint,
                                        load_checkpoint, save_checkpoint)

from mmhad.utils.checkpoint_io import (CheckpointRefusedError, atomic_write,
                                       find_latest_checkpoint)


class _Payload:
    """Unpickling it calls ``open(marker, 'w')``: the marker file appears."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, 'w'))


@pytest.fixture
def evil(tmp_path):
    """(path of a crafted checkpoint, path of the marker it would create)."""
    marker = tmp_path / 'PWNED'
    path = tmp_path / 'served' / 'evil.pth'
    path.parent.mkdir()
    torch.save({'state_dict': {'weight': torch.zeros(2, 2)},
                'meta': _Payload(marker)}, str(path))
    assert not marker.exists()
    return str(path), marker


def _refused(load, marker, name):
    with pytest.raises(CheckpointRefusedError) as info:
        load()
    message = str(info.value)
    assert name in message and 're-save it as a plain dict' in message
    assert 'weights_only=False' not in message
    assert not marker.exists()


def test_local_file_is_refused(evil):
    path, marker = evil
    _refused(lambda: _load_checkpoint(path, map_location='cpu'), marker, path)


def test_load_from_and_pretrained_init_are_refused(evil):
    # Runner.load_checkpoint (load_from, tools/test.py CHECKPOINT) and
    # init_cfg=dict(type='Pretrained') both go through load_checkpoint.
    path, marker = evil
    model = torch.nn.Linear(2, 2)
    _refused(lambda: load_checkpoint(model, path, map_location='cpu'),
             marker, path)


def test_every_url_scheme_is_wrapped():
    for prefix, loader in CheckpointLoader._schemes.items():
        if prefix:
            assert getattr(loader, '_mmhad_weights_only', False), prefix


def test_url_served_on_localhost_is_refused(evil, tmp_path, monkeypatch):
    path, marker = evil
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'hub'))
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler,
        directory=os.path.dirname(path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f'http://127.0.0.1:{server.server_address[1]}/evil.pth'
        _refused(lambda: _load_checkpoint(url, map_location='cpu'), marker,
                 url)
        # a second load comes from the hub cache: refused as well
        _refused(lambda: _load_checkpoint(url, map_location='cpu'), marker,
                 url)
    finally:
        server.shutdown()
        server.server_close()
    # torch.load is restored after the loader ran
    assert torch.load.__name__ == 'load'


def test_last_checkpoint_must_stay_in_the_work_dir(evil, tmp_path):
    path, marker = evil
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    assert runner_module.find_latest_checkpoint is find_latest_checkpoint
    assert find_latest_checkpoint(str(work_dir)) is None
    for named in (path, 'http://127.0.0.1:1/evil.pth', '../served/evil.pth'):
        (work_dir / 'last_checkpoint').write_text(named)
        with pytest.raises(ValueError, match='not a file inside the work'):
            find_latest_checkpoint(str(work_dir))
    # inside the work dir it is found, and loading it is still refused
    inside = work_dir / 'iter_1.pth'
    inside.write_bytes(open(path, 'rb').read())
    (work_dir / 'last_checkpoint').write_text(str(inside))
    found = find_latest_checkpoint(str(work_dir))
    assert found == os.path.realpath(inside)
    _refused(lambda: _load_checkpoint(found), marker, found)
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'gone.pth'))
    with pytest.raises(FileNotFoundError, match='gone.pth'):
        find_latest_checkpoint(str(work_dir))


def test_atomic_write_keeps_the_old_file_when_a_write_fails(
        tmp_path, monkeypatch):
    target = tmp_path / 'continual_results.json'
    atomic_write(target, '{"old": 1}')

    def fail(fd):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', fail)
    with pytest.raises(OSError, match='disk full'):
        atomic_write(target, '{"new": 2}' * 1000)
    assert target.read_text() == '{"old": 1}'
    assert sorted(os.listdir(tmp_path)) == ['continual_results.json']


def test_atomic_write_removes_temp_files_of_killed_writes(tmp_path):
    # what a write of the same file killed before its rename leaves behind
    old = time.time() - 3600
    for name in ('.iter_6.pth.k1lled.tmp', '.other.pth.k1lled.tmp'):
        (tmp_path / name).write_bytes(b'partial')
        os.utime(tmp_path / name, (old, old))
    # a fresh one may be another writer's (another rank) still at work
    (tmp_path / '.iter_6.pth.running.tmp').write_bytes(b'in progress')
    atomic_write(tmp_path / 'iter_6.pth', b'complete')
    assert sorted(os.listdir(tmp_path)) == [
        '.iter_6.pth.running.tmp', '.other.pth.k1lled.tmp', 'iter_6.pth']
    assert (tmp_path / 'iter_6.pth').read_bytes() == b'complete'


class _Runner:
    """What CheckpointHook._save_checkpoint_with_step uses of a runner."""

    def __init__(self, work_dir):
        self.work_dir = str(work_dir)
        self.message_hub = MessageHub('reliability-test')

    def save_checkpoint(self, out_dir, filename, *args, meta=None, **kw):
        save_checkpoint({'state_dict': {'step': torch.tensor(meta['step'])}},
                        os.path.join(out_dir, filename))


def test_failed_save_keeps_previous_checkpoint_and_last_checkpoint(
        tmp_path, monkeypatch):
    hook = CheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1)
    # as CheckpointHook.before_train makes it
    hook.out_dir, hook.keep_ckpt_ids = str(tmp_path), deque(maxlen=1)
    hook.file_backend = get_file_backend(str(tmp_path))
    hook.filename_tmpl = 'iter_{}.pth'
    runner = _Runner(tmp_path)
    hook._save_checkpoint_with_step(runner, 1, dict(step=1))
    hook._save_checkpoint_with_step(runner, 2, dict(step=2))
    assert sorted(os.listdir(tmp_path)) == ['iter_2.pth', 'last_checkpoint']

    real_fsync = os.fsync

    def fail_on_checkpoint(fd):  # dies after the bytes are written
        if os.fstat(fd).st_size > 100:
            raise OSError('killed mid-save')
        real_fsync(fd)

    monkeypatch.setattr(os, 'fsync', fail_on_checkpoint)
    with pytest.raises(OSError, match='killed mid-save'):
        hook._save_checkpoint_with_step(runner, 3, dict(step=3))
    monkeypatch.setattr(os, 'fsync', real_fsync)
    assert sorted(os.listdir(tmp_path)) == ['iter_2.pth', 'last_checkpoint']
    resume_from = find_latest_checkpoint(str(tmp_path))
    assert resume_from == os.path.realpath(tmp_path / 'iter_2.pth')
    ckpt = _load_checkpoint(resume_from, map_location='cpu')
    assert int(ckpt['state_dict']['step']) == 2


def test_non_finite_weights_are_never_saved(tmp_path):
    from mmhad.utils.checkpoint_io import NonFiniteCheckpointError
    hook = CheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1)
    # as CheckpointHook.before_train makes it
    hook.out_dir, hook.keep_ckpt_ids = str(tmp_path), deque(maxlen=1)
    hook.file_backend = get_file_backend(str(tmp_path))
    hook.filename_tmpl = 'iter_{}.pth'

    class Runner(_Runner):
        def save_checkpoint(self, out_dir, filename, *args, meta=None, **kw):
            value = float('nan') if meta['step'] == 2 else 1.0
            runner_module.save_checkpoint(
                {'state_dict': {'w': torch.full((2, ), value)}},
                os.path.join(out_dir, filename))

    runner = Runner(tmp_path)
    hook._save_checkpoint_with_step(runner, 1, dict(step=1))
    with pytest.raises(NonFiniteCheckpointError,
                       match=r'iter_2.pth: weight w holds NaN'):
        hook._save_checkpoint_with_step(runner, 2, dict(step=2))
    assert sorted(os.listdir(tmp_path)) == ['iter_1.pth', 'last_checkpoint']
    assert find_latest_checkpoint(str(tmp_path)).endswith('iter_1.pth')


_SAVER = r'''
import os, sys
from collections import deque
import torch
import mmhad  # noqa: F401  (applies mmhad.compat)
from mmengine.fileio import get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.logging import MessageHub
from mmengine.runner import runner as runner_module

out = sys.argv[1]
hook = CheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1)
hook.out_dir, hook.keep_ckpt_ids = out, deque(maxlen=1)
hook.file_backend = get_file_backend(out)
hook.filename_tmpl = 'iter_{}.pth'


class Runner:
    work_dir, message_hub = out, MessageHub('saver')

    def save_checkpoint(self, out_dir, filename, *args, meta=None, **kw):
        with open(os.path.join(out, 'saving'), 'w') as f:
            f.write(str(meta['step']))
        runner_module.save_checkpoint(
            {'state_dict': {'step': torch.tensor(meta['step']),
                            'big': torch.randn(4_000_000)}},
            os.path.join(out_dir, filename))


for step in range(1, 10_000):
    hook._save_checkpoint_with_step(Runner(), step, dict(step=step))
'''


def _sigkill_when(proc, ready, timeout: float, poll: float) -> None:
    """SIGKILL ``proc`` by its pid as soon as ``ready()`` is true."""
    import signal
    import time
    try:
        deadline = time.time() + timeout
        while time.time() < deadline and proc.poll() is None and \
                not ready():
            time.sleep(poll)
        assert proc.poll() is None, 'the process ended before the kill'
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()


def test_sigkill_during_a_save_leaves_a_resumable_checkpoint(tmp_path):
    import subprocess
    import sys
    out = tmp_path / 'work'
    out.mkdir()
    script = tmp_path / 'saver.py'
    script.write_text(_SAVER)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=repo)
    proc = subprocess.Popen([sys.executable, str(script), str(out)], env=env)

    def third_save_begun():
        saving = out / 'saving'
        return saving.exists() and saving.read_text() not in ('', '1', '2')

    _sigkill_when(proc, third_save_begun, 120, 0.01)
    in_progress = int((out / 'saving').read_text())
    resume_from = find_latest_checkpoint(str(out))
    ckpt = _load_checkpoint(resume_from, map_location='cpu')
    assert int(ckpt['state_dict']['step']) in (in_progress - 1, in_progress)
    assert ckpt['state_dict']['big'].numel() == 4_000_000
    complete = [n for n in os.listdir(out) if n.endswith('.pth')]
    assert os.path.basename(resume_from) in complete


def test_sigkill_of_a_full_train_run_then_resume_completes(tmp_path):
    """``tools/train.py`` SIGKILLed by its pid while it writes checkpoints
    (at the first temp checkpoint file seen after ``iter_2.pth``, else once
    ``iter_5.pth`` exists): ``--resume`` finishes the 3-phase run."""
    import glob
    import json
    import subprocess
    import sys

    from tests.test_engine.utils import REPO, make_tiny_scenes, tiny_config
    scenes = make_tiny_scenes(str(tmp_path / 'scenes'))
    work = str(tmp_path / 'work')
    cfg = tiny_config('configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py', scenes,
                      work, phase_iters=4)
    cfg_path = str(tmp_path / 'cfg.py')
    cfg.dump(cfg_path)
    cmd = [sys.executable, os.path.join(REPO, 'tools', 'train.py'), cfg_path,
           '--skip-data-check']
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)

    def writing():
        started = os.path.exists(os.path.join(work, 'iter_2.pth'))
        return (started and bool(glob.glob(os.path.join(work, '.*.tmp')))) \
            or os.path.exists(os.path.join(work, 'iter_5.pth'))

    _sigkill_when(proc, writing, 300, 0.002)
    assert not os.path.exists(os.path.join(work, 'iter_12.pth'))
    resume_from = find_latest_checkpoint(work)
    _load_checkpoint(resume_from, map_location='cpu')  # complete
    done = subprocess.run(cmd + ['--resume'], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(os.path.join(work, 'continual_results.json')) as f:
        phases = json.load(f)['phases']
    assert [p['phase'] for p in phases] == [0, 1, 2]
    assert os.path.isfile(os.path.join(work, 'iter_12.pth'))
