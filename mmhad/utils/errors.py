"""The errors mmhad raises for problems of the user's making.

Each is also a subclass of the built-in error it used to be (``ValueError``,
``FileNotFoundError``...), so existing ``except`` clauses still work.
:func:`mmhad.utils.cli.run_tool` ends a tool on one of them with a single
``mmhad: error: <message>`` line and exit code 2; any other exception is a
bug and keeps its traceback.
"""


class UserError(Exception):
    """Marker base: bad config, bad data, missing or refused checkpoint,
    diverged training. The message says what is wrong and what to do."""


class DataCheckError(UserError, ValueError):
    """The data check before training found bad files (each was listed)."""


class NonFiniteLossError(UserError, RuntimeError):
    """Too many training steps in a row had a NaN/inf loss."""


class NonFiniteTeacherError(UserError, RuntimeError):
    """The model to be frozen as the next phase's teacher is not finite."""


class PlanMismatchError(UserError, ValueError):
    """``--resume`` with a config whose phase plan differs from the
    checkpoint's."""


class CheckpointNotFoundError(UserError, FileNotFoundError):
    """A checkpoint named by the user or by ``last_checkpoint`` is missing."""


class UnsafeLastCheckpointError(UserError, ValueError):
    """``last_checkpoint`` names something outside the work dir."""


class ConfigFileNotFoundError(UserError, FileNotFoundError):
    """The config file given on the command line does not exist."""
