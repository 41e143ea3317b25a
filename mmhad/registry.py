"""mmhad's own registries (everything else registers into mmseg's).

- ``TASKS``: dense task types (:class:`mmhad.tasks.TaskType`), keyed by the
  task name (``'depth'``), filled with :func:`mmhad.tasks.register_task`.
- ``SCORERS``: scoring rules (:class:`mmhad.evaluation.BaseScorer`), keyed by
  the name a task type gives in its ``scorer`` attribute (``'depth'``).
"""
from mmengine.registry import Registry

TASKS = Registry('task type', scope='mmhad', locations=['mmhad.tasks'])
SCORERS = Registry(
    'scorer', scope='mmhad', locations=['mmhad.evaluation.scorers'])
