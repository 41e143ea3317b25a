"""TaskType.measure: a metric name's direction and unit."""
import pytest

from mmhad.tasks import HIGHER, LOWER, Measure, get_task


def test_measure_matches_names_patterns_and_regions():
    assert get_task('depth').measure('abs_err') == Measure(LOWER, 'm')
    assert get_task('depth').measure('abs_err@edge') == Measure(LOWER, 'm')
    assert get_task('normal').measure('within_11.25') == Measure(HIGHER, '%')
    assert get_task('normal').measure('mean_angle').unit == 'deg'
    with pytest.raises(KeyError, match='task "depth" has no metric'):
        get_task('depth').measure('mIoU')
