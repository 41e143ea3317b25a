"""Write test predictions to disk (``tools/test.py --out DIR``)."""
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

from mmhad.tasks import get_task, task_names

#: dtype of every dumped array: the ``.npy`` data contract stores class ids
#: as float32 too (``docs/data_contract.md``).
DUMP_DTYPE = np.float32


@HOOKS.register_module()
class DumpPredictionsHook(Hook):
    """Save every test prediction as ``.npy`` in the data-contract layout.

    For a sample whose image is ``.../{i}.npy`` it writes, for each task the
    model predicts (each registered task type whose ``pred_field`` the
    sample holds), ``{out_dir}/{task.folder}/{i}.npy``: the task's
    ``to_numpy`` form as float32 - H x W class ids for class tasks
    (semantic segmentation in ``label/``), H x W x C values for regressions
    (depth H x W x 1 in the unit of the training depth, normals H x W x 3
    unit vectors) - at the original image size: the same layout as a
    dataset split, so predictions can be scored offline like ground truth.
    Each rank writes its own samples (duplicates that the distributed
    sampler adds rewrite a file with the same content).

    Args:
        out_dir (str): Output directory.
        modes (Sequence[str]): Loops to dump from, ``'test'`` and/or
            ``'val'``. Defaults to ``('test', )``.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str,
                 modes: Sequence[str] = ('test', )) -> None:
        self.out_dir = out_dir
        self.modes = tuple(modes)

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence[SegDataSample]] = None
                        ) -> None:
        if 'test' in self.modes:
            self.dump(outputs or [])

    def after_val_iter(self,
                       runner,
                       batch_idx: int,
                       data_batch: Optional[dict] = None,
                       outputs: Optional[Sequence[SegDataSample]] = None
                       ) -> None:
        if 'val' in self.modes:
            self.dump(outputs or [])

    def dump(self, outputs: Sequence[SegDataSample]) -> None:
        """Write the predictions of one batch."""
        tasks = [get_task(name) for name in task_names()]
        for output in outputs:
            stem = osp.splitext(osp.basename(output.img_path))[0]
            for task in tasks:
                if task.pred_field not in output:
                    continue
                array = task.to_numpy(output.get(task.pred_field).data)
                folder = osp.join(self.out_dir, task.folder)
                os.makedirs(folder, exist_ok=True)
                np.save(osp.join(folder, f'{stem}.npy'),
                        np.ascontiguousarray(array, dtype=DUMP_DTYPE))
