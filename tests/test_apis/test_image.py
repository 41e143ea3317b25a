"""mmhad.apis.load_image: every accepted form ends as RGB float32 0-255."""
import numpy as np
import pytest

from mmhad.apis import load_image


def test_uint8_and_float_arrays_scale_to_255():
    rgb8 = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    out = load_image(rgb8)
    assert out['img'].dtype == np.float32
    np.testing.assert_array_equal(out['img'], rgb8.astype(np.float32))
    assert out['img_shape'] == out['ori_shape'] == (2, 3)
    unit = rgb8.astype(np.float64) / 255
    np.testing.assert_allclose(load_image(unit)['img'], rgb8, atol=1e-4)


def test_npy_file_is_read_as_the_dataset_loader(tmp_path):
    img = np.random.RandomState(1).rand(4, 5, 3).astype(np.float32)
    np.save(tmp_path / 'a.npy', img)
    out = load_image(str(tmp_path / 'a.npy'))
    np.testing.assert_array_equal(out['img'], load_image(img)['img'])
    assert out['img_path'].endswith('a.npy')


@pytest.mark.parametrize('bad, error, match', [
    (np.zeros((4, 5), np.uint8), ValueError, 'H x W x 3'),
    (np.zeros((4, 5, 4), np.uint8), ValueError, 'H x W x 3'),
    (np.full((4, 5, 3), 200.0), ValueError, r'in \[0, 1\]'),
    (np.zeros((4, 5, 3), np.int32), TypeError, 'uint8'),
    (np.full((4, 5, 3), np.nan, np.float32), ValueError, 'NaN'),
    ([[1, 2, 3]], TypeError, 'np.ndarray'),
])
def test_bad_images_are_refused(bad, error, match):
    with pytest.raises(error, match=match):
        load_image(bad)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_image(str(tmp_path / 'missing.png'))
