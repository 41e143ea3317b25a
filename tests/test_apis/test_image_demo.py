"""demo/image_demo.py on a checkpoint of the tiny trained run."""
import importlib.util
import os.path as osp

import mmcv
import numpy as np

from mmhad.apis import inference_model
from tests.test_apis.conftest import HEIGHT, WIDTH
from tests.test_engine.utils import REPO


def load_demo():
    spec = importlib.util.spec_from_file_location(
        'mmhad_image_demo', osp.join(REPO, 'demo', 'image_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_writes_a_panel_of_every_learned_task(run, final_model, image,
                                                   tmp_path, capsys):
    cfg, work_dir = run
    config = str(tmp_path / 'config.py')
    cfg.dump(config)
    png = str(tmp_path / 'photo.png')
    mmcv.imwrite((image[1][..., ::-1] * 255).round().astype(np.uint8), png)
    out_file = str(tmp_path / 'out' / 'panel.png')
    maps = load_demo().main([
        png, config, osp.join(work_dir, 'phase2_normal.pth'), '--out-file',
        out_file, '--out-npz', str(tmp_path / 'maps.npz')])
    panel = mmcv.imread(out_file)
    # one row per learned task; input | prediction [| colour bar], cells
    # enlarged by the smallest integer factor reaching 256 pixels (44 -> 6x)
    scale = 6
    assert panel.shape[0] == 3 * HEIGHT * scale
    assert 2 * WIDTH * scale <= panel.shape[1] <= 3 * WIDTH * scale
    expected = inference_model(final_model, png)
    saved = np.load(str(tmp_path / 'maps.npz'))
    assert sorted(saved.files) == sorted(maps) == ['depth', 'normal',
                                                    'semantic']
    for name in expected:
        np.testing.assert_array_equal(saved[name], expected[name])
    printed = capsys.readouterr().out
    assert 'depth: 30x44 float32, m, range' in printed
    assert f'panel of 3 task(s) written to {out_file}' in printed
