import pytest
import torch
from mmseg.registry import MODELS

from tests.test_engine.utils import make_tiny_scenes, tiny_config
from tests.test_tools.utils import load_tool

HAD = 'configs/had/had_r18-d8_1xb8-3x150it_synthetic-96x128_seg-depth-normal_mmhad-protocol.py'


@pytest.mark.parametrize('dropout', [0.0, 0.5])
def test_gap_is_zero_only_where_the_mode_changes_nothing(tmp_path, dropout):
    scenes = make_tiny_scenes(str(tmp_path / 'scenes'))
    cfg = tiny_config(HAD, scenes, str(tmp_path / 'work'))
    for head in cfg.model.decode_heads.values():
        head.dropout_ratio = dropout
    cfg_path = str(tmp_path / 'cfg.py')
    cfg.dump(cfg_path)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.set_tasks(learned=['semantic', 'depth'])
    for m in model.modules():  # running statistics unlike any batch's
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)

    tool = load_tool('analysis_tools/mode_gap.py')
    table = tool.main([cfg_path, ckpt, '--num-images', '4'])
    assert set(table) == {'train', 'dropout', 'bn'}
    assert set(table['train']) == {'semantic', 'depth'}  # learned only
    # batch statistics always move the outputs; dropout only if it exists
    assert table['train']['depth'] > 0 and table['bn']['depth'] > 0
    if dropout == 0:
        # exactly 0 also shows that the running statistics the train-mode
        # pass updated were restored before this mode ran
        assert table['dropout'] == {'semantic': 0.0, 'depth': 0.0}
    else:
        assert table['dropout']['depth'] > 0
