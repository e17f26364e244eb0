"""Errors a step raises on purpose, each with a message that names what to look at."""

from __future__ import annotations


class FinalError(RuntimeError):
    """Retrying cannot help (the same batch fails the same way): the task fails at once, and the
    failure email goes out without waiting through the retries."""


class QualityGateError(FinalError):
    """A batch failed a quality gate; nothing of it was loaded."""


class SchemaDriftError(RuntimeError):
    """A contract column is missing from the source or has another type."""


class CheckError(RuntimeError):
    """A published table failed a data-quality check after its rebuild."""


class ParamError(FinalError, ValueError):
    """A run's Params (the trigger form, --conf, the REST API) are not what the DAG takes: the
    same conf fails the same way, so the run fails at once."""
