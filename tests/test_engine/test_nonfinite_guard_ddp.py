"""The non-finite guard under DDP (2-process gloo): a NaN loss on one rank
makes every rank skip the step, and training goes on without a hang."""
import os.path as osp

import pytest
import torch

from mmhad.engine.runner.nonfinite_guard import OTHER_RANK, NonFiniteGuard


def _model():
    from mmengine.model import BaseModel

    class Tiny(BaseModel):

        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 3)
            self.bn = torch.nn.BatchNorm1d(3)

        def forward(self, inputs, data_samples=None, mode='loss'):
            return dict(loss_sq=(self.bn(self.fc(inputs))**2 +
                                 self.fc(inputs)).mean())

    torch.manual_seed(0)
    return Tiny()


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _worker(rank: int, out_dir: str) -> None:
    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel
    from mmengine.optim import OptimWrapper
    rendezvous = osp.join(out_dir, 'rendezvous')
    dist.init_process_group('gloo', init_method=f'file://{rendezvous}',
                            rank=rank, world_size=2)
    try:
        model = MMDistributedDataParallel(module=_model())
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        guard = NonFiniteGuard(3)
        states, skipped = [], []
        for step in range(3):
            inputs = torch.randn(8, 4, generator=torch.Generator().manual_seed(
                10 * step + rank))
            if step == 1 and rank == 1:
                inputs[0, 0] = float('nan')
            _, keys = guard.train_step(model, dict(inputs=inputs), optim)
            skipped.append(keys)
            states.append(_state(model.module))
        torch.save(dict(states=states, skipped=skipped),
                   osp.join(out_dir, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(
    not torch.distributed.is_available(), reason='no torch.distributed')
def test_nan_on_one_rank_skips_the_step_on_every_rank(tmp_path):
    import torch.multiprocessing as mp
    mp.spawn(_worker, args=(str(tmp_path), ), nprocs=2, join=True)
    ranks = [torch.load(str(tmp_path / f'rank{r}.pth'), weights_only=False)
             for r in (0, 1)]
    assert ranks[0]['skipped'] == [[], [OTHER_RANK], []]
    assert ranks[1]['skipped'] == [[], ['loss', 'loss_sq'], []]
    for rank in ranks:
        after_0, after_1, after_2 = rank['states']
        for key in after_0:  # step 1 changed nothing, BN stats included
            assert torch.equal(after_0[key], after_1[key]), key
        assert not torch.equal(after_1['fc.weight'], after_2['fc.weight'])
    for key, value in ranks[0]['states'][2].items():
        if 'running' not in key:  # BN statistics are per rank
            assert torch.equal(value, ranks[1]['states'][2][key]), key
