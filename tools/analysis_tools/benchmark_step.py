"""Time one training step of fine-tuning vs HAD at every phase of a sequence.

For each phase k of the config's ``train_cfg.phases`` the model is put in the
state it has in phase k (tasks of phases < k learned, task k active; for HAD
a frozen teacher of the phase-(k-1) model), one real batch of phase k is
loaded, and ``repeats`` full steps (preprocess, forward, backward, Adam
update) are timed after ``warmup`` steps. Every (method, phase) runs in a
fresh process, so the reported peak resident memory belongs to it alone.
The HAD loss terms (DB + SG, forward + backward) are timed separately on the
step's own outputs.

Usage:
    python tools/analysis_tools/benchmark_step.py CONFIG [CONFIG ...]
        [--batch-size 4] [--threads 2] [--repeats 10] [--warmup 3]
        [--profile] [--out FILE.md]
"""
import argparse
import json
import multiprocessing as mp
import os.path as osp
import resource
import statistics
import time
from typing import Dict, List

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _build(config: str, batch_size: int):
    import mmhad  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope('mmseg')
    cfg.train_dataloader.batch_size = batch_size
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    return cfg


def _phase_batch(cfg, task: str) -> dict:
    from mmengine.runner import Runner
    loader_cfg = dict(cfg.train_dataloader)
    loader_cfg['dataset'] = dict(loader_cfg['dataset'], tasks=[task])
    return next(iter(Runner.build_dataloader(loader_cfg, seed=0)))


def measure(config: str, method: str, phase: int, batch_size: int,
            threads: int, warmup: int, repeats: int, profile: bool) -> dict:
    """One (method, phase) measurement; run it in a fresh process."""
    import torch
    from mmengine.optim import build_optim_wrapper
    from mmseg.registry import MODELS

    from mmhad.models.losses import build_distill_loss
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = _build(config, batch_size)
    tasks = [p['task'] for p in cfg.train_cfg.phases]
    model = MODELS.build(cfg.model)
    if cfg.get('distill_loss'):  # what TeacherHook sets in a run
        model.set_distill_loss(build_distill_loss(cfg.distill_loss,
                                                  model.tasks))
    model.set_tasks(learned=tasks[:phase])
    if method == 'had' and phase > 0:
        model.set_teacher(model.snapshot())
    model.set_tasks(active=[tasks[phase]], learned=tasks[:phase + 1])
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    batch = _phase_batch(cfg, tasks[phase])

    def step():
        optim.update_params(model.parse_losses(
            model(**model.data_preprocessor(batch, True), mode='loss'))[0])

    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    result = dict(method=method, phase=phase, task=tasks[phase],
                  old_tasks=model.distilled_tasks(),
                  step_ms=1000 * statistics.median(times),
                  peak_rss_mb=resource.getrusage(
                      resource.RUSAGE_SELF).ru_maxrss / 1024)
    if model.distilled_tasks():
        result['had_terms_ms'] = _time_had_terms(model, batch, repeats)
    if profile:
        result['profile'] = _profile(step)
    return result


def _time_had_terms(model, batch, repeats: int) -> float:
    """Median ms of the HAD loss terms alone (forward + backward)."""
    import torch
    data = model.data_preprocessor(batch, True)
    metas = [s.metainfo for s in data['data_samples']]
    old = model.distilled_tasks()
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'])
        student = {t: model.decode_heads[t].predict_by_feat(
            model.decode_heads[t].forward(feats), metas) for t in old}
        teacher = model.teacher._heads_predict(
            model.teacher.extract_feat(data['inputs']), old, metas)
    times = []
    for _ in range(repeats):
        leaves = {t: v.clone().requires_grad_(True)
                  for t, v in student.items()}
        start = time.perf_counter()
        model.distill_loss(leaves, teacher).backward()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _profile(step, rows: int = 12) -> str:
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    return prof.key_averages().table(sort_by='self_cpu_time_total',
                                     row_limit=rows)


def _worker(queue, kwargs):
    queue.put(measure(**kwargs))


def run_isolated(**kwargs) -> dict:
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(queue, kwargs))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def render(config: str, rows: List[dict]) -> str:
    by = {(r['method'], r['phase']): r for r in rows}
    phases = sorted({r['phase'] for r in rows})
    lines = [f'### `{config}`', '',
             '| phase | task | old tasks | fine-tune ms | HAD ms | HAD / FT '
             '| HAD loss terms ms (% of step) | peak RSS FT / HAD (MB) |',
             '|---|---|---|---|---|---|---|---|']
    for k in phases:
        ft, had = by[('finetune', k)], by[('had', k)]
        terms = had.get('had_terms_ms')
        share = f'{terms:.1f} ({100 * terms / had["step_ms"]:.1f}%)' \
            if terms else '-'
        lines.append(
            f'| {k} | {had["task"]} | {len(had["old_tasks"])} | '
            f'{ft["step_ms"]:.0f} | {had["step_ms"]:.0f} | '
            f'{had["step_ms"] / ft["step_ms"]:.2f} | {share} | '
            f'{ft["peak_rss_mb"]:.0f} / {had["peak_rss_mb"]:.0f} |')
    return '\n'.join(lines)


def main(argv=None) -> Dict[str, List[dict]]:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('configs', nargs='+', help='HAD configs of the sequences')
    p.add_argument('--batch-size', type=int, default=4)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--repeats', type=int, default=10)
    p.add_argument('--profile', action='store_true',
                   help='profile HAD at the last phase of each sequence')
    p.add_argument('--out', help='write the markdown tables here')
    args = p.parse_args(argv)
    report, text = {}, []
    for config in args.configs:
        cfg = _build(config, args.batch_size)
        rows = []
        last = len(cfg.train_cfg.phases) - 1
        for phase in range(last + 1):
            for method in ('finetune', 'had'):
                rows.append(run_isolated(
                    config=config, method=method, phase=phase,
                    batch_size=args.batch_size, threads=args.threads,
                    warmup=args.warmup, repeats=args.repeats,
                    profile=args.profile and method == 'had'
                    and phase == last))
                print(json.dumps({k: v for k, v in rows[-1].items()
                                  if k != 'profile'}), flush=True)
        report[config] = rows
        text.append(render(config, rows))
        if rows[-1].get('profile'):
            text.append(f'Profile of one HAD step at phase {last}:\n\n```\n'
                        f'{rows[-1]["profile"]}```')
    output = '\n\n'.join(text)
    print(output)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(output + '\n')
    return report


if __name__ == '__main__':
    main()
