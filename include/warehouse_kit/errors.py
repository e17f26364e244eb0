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


class FreshnessError(FinalError):
    """A source has not changed for longer than its error_after: an upstream job has likely
    stopped. Nothing was staged from it, so nothing loads; the same night fails the same way."""

    def __init__(self, message: str, alert_detail: str) -> None:
        super().__init__(message)
        self.alert_detail = alert_detail


class ReconciliationError(FinalError):
    """The warehouse no longer holds what the source holds: the message names each table, the
    counts expected and observed, and a sample of the keys that differ."""

    def __init__(self, message: str, alert_detail: str) -> None:
        super().__init__(message)
        self.alert_detail = alert_detail
