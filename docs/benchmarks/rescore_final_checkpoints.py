"""Score the final checkpoint of finished benchmark runs with today's metric.

The runs of docs/benchmarks.md, "When does HAD help?", were trained while
the segmentation boundary band still ignored labelled pixels that face each
other across an unlabelled line, so their ``semantic/mIoU@boundary`` and
``aAcc@boundary`` are NaN. This script evaluates each run's last phase
checkpoint again with ``tools/test.py`` (same config and options as the run)
and writes every final metric to ``final_metrics_rescored.json`` in the run
dir. The metrics the run itself computed must agree with its
``continual_results.json``; the script checks that and stops otherwise.

Usage (from the repository root; the checkpoints live in the work dirs;
one process per run, as mmengine keeps global state between runners):
    ls -d WORK_DIR/*_seed*/ | xargs -n 1 python \
        docs/benchmarks/rescore_final_checkpoints.py
    # the table of docs/benchmarks.md from the committed files:
    python docs/benchmarks/rescore_final_checkpoints.py --table \
        docs/benchmarks/runs/std
"""
import argparse
import glob
import json
import math
import os.path as osp
import sys
import tempfile

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESCORED = 'final_metrics_rescored.json'


def load_rescored(runs_dir: str) -> dict:
    """``{method: {key: [value per seed]}}`` of the rescored runs under
    ``runs_dir`` (run dirs named ``{method}_{order}_seed{k}``)."""
    out: dict = {}
    for path in sorted(glob.glob(osp.join(runs_dir, '*_seed*', RESCORED))):
        method = osp.basename(osp.dirname(path)).split('_')[0]
        with open(path) as f:
            for key, value in json.load(f)['metrics'].items():
                out.setdefault(method, {}).setdefault(key, []).append(value)
    return out


def rescore(run_dir: str) -> dict:
    """Evaluate ``run_dir``'s last phase checkpoint and check it."""
    sys.path.insert(0, osp.join(REPO, 'tools'))
    import test as test_tool  # mmseg and the runner: only when scoring
    with open(osp.join(run_dir, 'benchmark_run.json')) as f:
        cmd = json.load(f)['command']
    config = osp.join(REPO, cmd[2][cmd[2].index('configs/'):])
    options = cmd[cmd.index('--cfg-options') + 1:]
    last = sorted(glob.glob(osp.join(run_dir, 'phase*_*.pth')))[-1]
    with tempfile.TemporaryDirectory() as tmp:
        metrics = test_tool.main([config, last, '--work-dir', tmp,
                                  '--cfg-options', *options])
    with open(osp.join(run_dir, 'continual_results.json')) as f:
        trained = json.load(f)['phases'][-1]['metrics']
    for key, value in trained.items():
        if value is not None and not math.isnan(value) and not math.isclose(
                metrics[key], value, rel_tol=1e-9, abs_tol=1e-9):
            raise RuntimeError(f'{run_dir}: {key} rescored {metrics[key]} '
                               f'but the run recorded {value}')
    return dict(checkpoint=osp.basename(last), metrics=metrics)


def table(runs_dir: str) -> str:
    """Mean ± std over seeds of the boundary metrics, per method."""
    import numpy as np
    keys = ('semantic/mIoU@boundary', 'semantic/aAcc@boundary')
    lines = ['| method | seeds | ' + ' | '.join(keys) + ' |',
             '|---' * (len(keys) + 2) + '|']
    for method, metrics in load_rescored(runs_dir).items():
        v = np.array([metrics[k] for k in keys]).T
        cells = [f'{m:.2f} ± {s:.2f}' for m, s in
                 zip(v.mean(0), v.std(0, ddof=1))]
        lines.append(f'| {method} | {len(v)} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='*', help='benchmark run dirs')
    parser.add_argument('--table', metavar='RUNS_DIR',
                        help='print the table of the committed rescored runs')
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return
    for run in args.runs:
        out = osp.join(run, RESCORED)
        if not osp.exists(out):
            result = rescore(run)  # nothing is written if it fails
            with open(out, 'w') as f:
                json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
