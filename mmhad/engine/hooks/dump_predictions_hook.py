"""Write test predictions to disk (``tools/test.py --out DIR``)."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample

#: Prediction field -> (folder, function making the on-disk array from the
#: packed C x H x W data), following the ``.npy`` layout of
#: ``docs/data_contract.md``.
PREDICTION_LAYOUT: Dict[str, tuple] = {
    'pred_sem_seg': ('label', lambda x: x[0].astype(np.float32)),
    'pred_depth_map': ('depth', lambda x: x.transpose(1, 2, 0)),
    'pred_normal_map': ('normal', lambda x: x.transpose(1, 2, 0)),
    'pred_edge_map': ('edge', lambda x: x[0].astype(np.float32)),
    'pred_albedo_map': ('albedo', lambda x: x.transpose(1, 2, 0)),
    'pred_shading_map': ('shading', lambda x: x.transpose(1, 2, 0)),
}


@HOOKS.register_module()
class DumpPredictionsHook(Hook):
    """Save every test prediction as ``.npy`` in the data-contract layout.

    For a sample whose image is ``.../{i}.npy`` it writes, for each task the
    model predicts, ``{out_dir}/label/{i}.npy`` (H x W float32 class ids),
    ``{out_dir}/depth/{i}.npy`` (H x W x 1 float32, the unit of the training
    depth), ``{out_dir}/normal/{i}.npy`` (H x W x 3 float32 unit vectors),
    ``{out_dir}/edge/{i}.npy`` (H x W float32, 0 / 1),
    ``{out_dir}/albedo/{i}.npy`` (H x W x 3 float32) and
    ``{out_dir}/shading/{i}.npy`` (H x W x 1 float32), at the original image
    size - the same layout as a dataset
    split, so predictions can be scored offline like ground truth. Each
    rank writes its own samples (duplicates that the distributed sampler
    adds rewrite a file with the same content).

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
        for output in outputs:
            stem = osp.splitext(osp.basename(output.img_path))[0]
            for key, (folder, to_disk) in PREDICTION_LAYOUT.items():
                if key not in output:
                    continue
                data = output.get(key).data.detach().cpu().numpy()
                folder = osp.join(self.out_dir, folder)
                os.makedirs(folder, exist_ok=True)
                np.save(osp.join(folder, f'{stem}.npy'),
                        np.ascontiguousarray(to_disk(data)))
