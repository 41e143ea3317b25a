"""mmhad's own registries (everything else registers into mmseg's).

- ``TASKS``: dense task types (:class:`mmhad.tasks.TaskType`), keyed by the
  task name (``'depth'``), filled with :func:`mmhad.tasks.register_task`.
"""
from mmengine.registry import Registry

TASKS = Registry('task type', scope='mmhad', locations=['mmhad.tasks'])
