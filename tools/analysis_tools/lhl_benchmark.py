"""Run continual methods x seeds x task orders and tabulate what they keep.

Every run is ``tools/train.py CONFIG`` in its own work dir (a finished run is
reused, so an interrupted benchmark continues where it stopped). The table
gives, per task order and method, the final metric of every task (mean ± std
over seeds), Δm against fine-tuning (paired by seed), average forgetting,
mean rank and wall time per run.

Usage:
    python tools/analysis_tools/lhl_benchmark.py --work-dir work_dirs/bench \
        [--sequence 3task|6task] \
        [--methods finetune lwf ewc had had-no-db had-no-sg joint] \
        [--seeds 0 1 2] [--orders semantic,depth,normal normal,depth,semantic]\
        [--phase-iters 200] [--data-root DIR] [--quick] [--out FILE.md]
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402

from mmhad.utils.checkpoint_io import atomic_write  # noqa: E402
from mmhad.evaluation.report import (  # noqa: E402
    average_forgetting, delta_m, final_metrics, load_results, mean_rank)

#: ``{model}_{schedule}_{dataset}_{order}`` of the synthetic leaf configs.
SYN3 = 'r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal'
#: The same with the paper's architecture (``_base_/models/*-paper_*``).
SYN3_PAPER_ARCH = SYN3.replace('r18-d8_', 'r18-d8-paper-arch_', 1)
SYN6 = ('r18-d8_1xb8-6x150it_synthetic-96x128_'
        'seg-depth-normal-edge-albedo-shading')
JOINT3 = 'r18-d8_1xb8-1x450it_synthetic-96x128_seg-depth-normal'
#: Default task orders of the 3-task sequences.
ORDERS3 = ['semantic,depth,normal', 'normal,depth,semantic']
#: The methods with a paper-architecture config.
PAPER_ARCH_METHODS = ('finetune', 'lwf', 'had')
#: Config folder of each method (``docs/configs.md``).
FOLDERS = dict(finetune='baselines', lwf='baselines', ewc='baselines',
               had='had', joint='joint')


def leaf(method: str, body: str, protocol: str = 'mmhad') -> str:
    """Path of the leaf config of ``method`` (``had-*``: an ablation)."""
    folder = 'had/ablations' if method.startswith('had-') else \
        FOLDERS[method]
    return f'configs/{folder}/{method}_{body}_{protocol}-protocol.py'


ABLATIONS = ('had-no-db', 'had-no-sg', 'had-arith-mean', 'had-paper',
             'had-release')
#: Per task sequence: the config of each method and the default task orders.
SEQUENCES = {
    '3task': dict(
        configs=dict(
            {m: leaf(m, SYN3)
             for m in ('finetune', 'lwf', 'ewc', 'had') + ABLATIONS},
            joint=leaf('joint', JOINT3)),
        orders=ORDERS3),
    '6task': dict(
        configs={m: leaf(m, SYN6) for m in ('finetune', 'lwf', 'ewc', 'had')},
        orders=['semantic,depth,normal,edge,albedo,shading']),
    '3task-paper-arch': dict(
        configs={m: leaf(m, SYN3_PAPER_ARCH) for m in PAPER_ARCH_METHODS},
        orders=ORDERS3),
}
#: Configs of the methods under a protocol other than mmhad's (``--protocol``).
PROTOCOLS = {
    'paper': {
        '3task': dict(
            {m: leaf(m, SYN3, 'paper')
             for m in ('finetune', 'lwf', 'ewc', 'had', 'had-paper',
                       'had-release')},
            joint=leaf('joint', JOINT3, 'paper')),
        '3task-paper-arch': {m: leaf(m, SYN3_PAPER_ARCH, 'paper')
                             for m in PAPER_ARCH_METHODS},
    }
}
METHODS = sorted({m for s in SEQUENCES.values() for m in s['configs']})
DEFAULT_METHODS = ('finetune', 'lwf', 'ewc', 'had', 'had-no-db', 'had-no-sg',
                   'joint')
BASELINE = 'finetune'
ORDER_INDEPENDENT = ('joint', )


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default='work_dirs/lhl_benchmark')
    p.add_argument('--sequence', default='3task', choices=sorted(SEQUENCES),
                   help='3task: semantic/depth/normal; 6task: + edge, '
                   'albedo, shading; 3task-paper-arch: 3task with the '
                   'paper\'s architecture (fine-tune, LwF, HAD)')
    p.add_argument('--methods', nargs='+', default=None, choices=METHODS,
                   help='default: all of the sequence\'s methods among '
                   f'{", ".join(DEFAULT_METHODS)}')
    p.add_argument('--protocol', default='mmhad',
                   choices=['mmhad', *sorted(PROTOCOLS)],
                   help='training protocol (configs/_base_/protocols/)')
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    p.add_argument('--orders', nargs='+', default=None,
                   help='comma-separated task orders (default: the '
                   'sequence\'s, s->d->n and n->d->s for 3task)')
    p.add_argument('--phase-iters', type=int, default=None,
                   help='iterations per phase (default: the configs\')')
    p.add_argument('--batch-size', type=int, default=None)
    p.add_argument('--data-root', default=None)
    p.add_argument('--quick', action='store_true',
                   help='smoke run: first seed and order, 4 iters per phase')
    p.add_argument('--tabulate-only', action='store_true',
                   help='never train: tabulate finished runs (e.g. the '
                   'committed ones under docs/benchmarks/runs/), error if '
                   'one is missing')
    p.add_argument('--out', default=None,
                   help='markdown file (default: WORK_DIR/benchmark.md)')
    p.add_argument('--cfg-options', nargs='+', default=[],
                   help='extra --cfg-options passed to every run')
    args = p.parse_args(argv)
    sequence = SEQUENCES[args.sequence]
    if args.methods is None:
        args.methods = [m for m in DEFAULT_METHODS
                        if m in sequence['configs']]
    args.configs = dict(sequence['configs'])
    if args.protocol != 'mmhad':
        args.configs = PROTOCOLS[args.protocol].get(args.sequence, {})
    missing = sorted(set(args.methods) - set(args.configs))
    if missing:
        p.error(f'--methods {missing} have no {args.sequence} config under '
                f'the {args.protocol} protocol; choose from '
                f'{sorted(args.configs)}')
    args.orders = args.orders or list(sequence['orders'])
    num_phases = len(sequence['orders'][0].split(','))
    for order in args.orders:
        if len(order.split(',')) != num_phases:
            p.error(f'--orders {order!r}: the {args.sequence} configs have '
                    f'{num_phases} phases, so an order names {num_phases} '
                    'tasks')
    if args.quick:
        args.seeds, args.orders = args.seeds[:1], args.orders[:1]
        args.phase_iters = args.phase_iters or 4
    return args


def run_options(args, method: str, order: List[str], seed: int) -> List[str]:
    """``--cfg-options`` of one run."""
    opts = [f'randomness.seed={seed}']
    if method in ORDER_INDEPENDENT:
        if args.phase_iters:
            opts.append(f'train_cfg.phases.0.max_iters='
                        f'{args.phase_iters * len(order)}')
    else:
        for i, task in enumerate(order):
            opts.append(f'train_cfg.phases.{i}.task={task}')
            if args.phase_iters:
                opts.append(f'train_cfg.phases.{i}.max_iters='
                            f'{args.phase_iters}')
    if args.batch_size:
        opts.append(f'train_dataloader.batch_size={args.batch_size}')
    if args.data_root:
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            opts.append(f'{key}.dataset.data_root={args.data_root}')
    return opts + list(args.cfg_options)


def _git_commit() -> Optional[str]:
    """Commit of the code that ran (``+dirty`` with local changes)."""
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=REPO,
                              capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '-uno'],
                               cwd=REPO, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ('+dirty' if dirty else '')


def run_dir(root: str, method: str, order: Sequence[str], seed: int,
            protocol: str = 'mmhad') -> str:
    """Folder of one run: ``{method}[_{protocol}]_{order}_seed{seed}``.

    ``order`` is the task order (``['semantic', 'depth', 'normal']`` ->
    ``s-d-n``) or its tag; an order-independent method (joint) gets ``any``.
    The mmhad protocol adds no suffix, so older run folders keep their names.
    """
    if method in ORDER_INDEPENDENT:
        tag = 'any'
    elif isinstance(order, str):
        tag = order
    else:
        tag = '-'.join(t[0] for t in order)
    suffix = '' if protocol == 'mmhad' else f'_{protocol}'
    return osp.join(root, f'{method}{suffix}_{tag}_seed{seed}')


def run_one(args, method: str, order: List[str], seed: int) -> dict:
    """Train one configuration unless its results exist; return its record."""
    work_dir = run_dir(args.work_dir, method, order, seed, args.protocol)
    done = osp.join(work_dir, 'benchmark_run.json')
    if osp.exists(done):
        with open(done) as f:
            record = json.load(f)
        # committed results are re-tabulated from wherever they lie now
        record['work_dir'] = work_dir
        return record
    if args.tabulate_only:
        raise FileNotFoundError(f'--tabulate-only: {done} does not exist '
                                f'({method}, seed {seed} has not run)')
    config = args.configs[method]
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'),
           osp.join(REPO, config), '--work-dir', work_dir,
           '--cfg-options', *run_options(args, method, order, seed)]
    os.makedirs(work_dir, exist_ok=True)
    start = time.perf_counter()
    with open(osp.join(work_dir, 'benchmark_stdout.log'), 'w') as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                              cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f'{method} seed {seed} failed (exit '
                           f'{proc.returncode}); see {log.name}')
    record = dict(method=method, order=order, seed=seed, work_dir=work_dir,
                  protocol=args.protocol,
                  seconds=time.perf_counter() - start, command=cmd,
                  commit=_git_commit(),
                  omp_num_threads=os.environ.get('OMP_NUM_THREADS'))
    atomic_write(done, json.dumps(record, indent=2))
    return record


def mean_std(values: Sequence[float]) -> str:
    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{values.mean():.2f} ± {values.std(ddof=1):.2f}'


def summarise(records: List[dict], order: List[str]) -> dict:
    """Per-method aggregates over seeds for one task order."""
    by_method: Dict[str, List[dict]] = {}
    for r in records:
        by_method.setdefault(r['method'], []).append(r)
    results = {m: {r['seed']: load_results(r['work_dir']) for r in rs}
               for m, rs in by_method.items()}
    rows = {}
    keys: Optional[List[str]] = None
    for method, per_seed in results.items():
        finals = [final_metrics(res) for res in per_seed.values()]
        keys = keys or sorted(finals[0])
        row = dict(metrics={k: [f[k] for f in finals] for k in keys},
                   seconds=[r['seconds'] for r in by_method[method]])
        if BASELINE in results and method != BASELINE:
            row['delta_m'] = [
                delta_m(res, results[BASELINE][seed])
                for seed, res in per_seed.items()
                if seed in results[BASELINE]
            ]
        if method not in ORDER_INDEPENDENT:
            row['forgetting'] = [
                float(np.mean(list(average_forgetting(res).values()) or
                              [0.0])) for res in per_seed.values()
            ]
        row['regions'] = {}
        for res in per_seed.values():
            for k, v in final_metrics(res, regions=True).items():
                if '/IoU@' not in k:  # per-class IoUs: see the run's report
                    row['regions'].setdefault(k, []).append(v)
        rows[method] = row
    seeds = sorted({r['seed'] for r in records})
    ranks = [mean_rank({m: results[m][s] for m in results if s in results[m]})
             for s in seeds]
    for method in rows:
        rows[method]['rank'] = [r[method] for r in ranks if method in r]
    return dict(order=order, keys=keys, rows=rows,
                paired=paired_differences(results))


def mean_ci95(values: Sequence[float]) -> Dict[str, float]:
    """Mean and two-sided 95 % t confidence interval of ``values``."""
    from scipy import stats
    values = np.asarray(values, dtype=float)
    n, mean = len(values), float(values.mean())
    if n < 2:
        return dict(n=n, mean=mean, low=float('nan'), high=float('nan'))
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return dict(n=n, mean=mean, low=mean - half, high=mean + half)


def paired_differences(results: Dict[str, Dict[int, dict]]) -> List[dict]:
    """Δm of every HAD variant minus LwF's and fine-tuning's, paired by
    seed (fine-tuning's own Δm is 0), with 95 % t intervals."""
    out = []
    if BASELINE not in results:
        return out
    base = results[BASELINE]
    for method in sorted(m for m in results if m.startswith('had')):
        for other in ('lwf', BASELINE):
            if other not in results:
                continue
            diffs = []
            for seed, res in results[method].items():
                if seed not in base or seed not in results[other]:
                    continue
                ref = (0.0 if other == BASELINE else
                       delta_m(results[other][seed], base[seed]))
                diffs.append(delta_m(res, base[seed]) - ref)
            if diffs:
                out.append(dict(method=method, against=other,
                                diffs=diffs, **mean_ci95(diffs)))
    return out


def render(summaries: List[dict], args, command: str) -> str:
    lines = [f'# LHL benchmark on the synthetic scenes ({args.sequence}, '
             f'{args.protocol} protocol)', '',
             f'Command: `{command}`', '',
             f'Seeds: {args.seeds}. Entries are mean ± std over seeds; '
             'Δm is against fine-tuning of the same seed (higher is better); '
             'forgetting is the mean relative forgetting of the tasks learned '
             'before the last phase (%, positive = worse); rank is the mean '
             'rank over final metrics (1 = best).', '']
    for s in summaries:
        keys = s['keys']
        lines += [f'## Order: {" -> ".join(s["order"])}', '',
                  '| method | ' + ' | '.join(keys) +
                  ' | Δm % | forgetting % | rank | time / run (s) |',
                  '|---' * (len(keys) + 5) + '|']
        for method, row in s['rows'].items():
            cells = [mean_std(row['metrics'][k]) for k in keys]
            cells.append(mean_std(row['delta_m']) if row.get('delta_m')
                         else '-')
            cells.append(mean_std(row['forgetting'])
                         if 'forgetting' in row else '-')
            cells.append(mean_std(row['rank']))
            cells.append(f'{np.mean(row["seconds"]):.0f}')
            lines.append(f'| {method} | ' + ' | '.join(cells) + ' |')
        lines.append('')
        region_keys = sorted({k for row in s['rows'].values()
                              for k in row.get('regions', {})})
        if region_keys:
            lines += ['Where HAD acts (final `@region` diagnostics, not in '
                      'Δm):', '',
                      '| method | ' + ' | '.join(region_keys) + ' |',
                      '|---' * (len(region_keys) + 1) + '|']
            for method, row in s['rows'].items():
                cells = [mean_std(row['regions'][k])
                         if row['regions'].get(k) else '-'
                         for k in region_keys]
                lines.append(f'| {method} | ' + ' | '.join(cells) + ' |')
            lines.append('')
        if s.get('paired'):
            lines += ['Paired Δm differences over seeds (percentage points, '
                      '95 % t interval):', '',
                      '| difference | seeds | mean | 95 % CI |',
                      '|---|---|---|---|']
            for d in s['paired']:
                lines.append(
                    f'| {d["method"]} − {d["against"]} | {d["n"]} | '
                    f'{d["mean"]:+.2f} | [{d["low"]:+.2f}, '
                    f'{d["high"]:+.2f}] |')
            lines.append('')
    return '\n'.join(lines)


def main(argv=None) -> str:
    args = parse_args(argv)
    command = 'python tools/analysis_tools/lhl_benchmark.py ' + ' '.join(
        argv if argv is not None else sys.argv[1:])
    summaries = []
    for order_str in args.orders:
        order = order_str.split(',')
        records = [
            run_one(args, method, order, seed) for method in args.methods
            for seed in args.seeds
        ]
        summaries.append(summarise(records, order))
    text = render(summaries, args, command)
    out = args.out or osp.join(args.work_dir, 'benchmark.md')
    atomic_write(out, text + '\n')
    atomic_write(osp.splitext(out)[0] + '.json',
                 json.dumps(summaries, indent=2))
    print(text)
    return text


if __name__ == '__main__':
    try:
        main()
    except FileNotFoundError as err:  # --tabulate-only with a missing run
        sys.exit(f'lhl_benchmark: {err}')
