"""What taskflow_nightly watches for anomalies (include/warehouse_kit/anomaly.py): each source
table's and the event logs' nightly volume, and tasks created and completed per day."""

from __future__ import annotations

from include.taskflow.contracts import EVENTS, TABLES
from include.warehouse_kit.anomaly import Monitor, Series, volume_monitor

MONITORS = (
    *(volume_monitor(t.name) for t in TABLES),
    volume_monitor(EVENTS.name),
    Monitor(Series("tasks_created_per_day"), "taskflow/anomaly/tasks_created_per_day.sql"),
    Monitor(Series("tasks_completed_per_day"), "taskflow/anomaly/tasks_completed_per_day.sql"),
)
