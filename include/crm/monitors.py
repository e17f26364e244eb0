"""What crm_nightly watches for anomalies (include/warehouse_kit/anomaly.py): each source
table's nightly volume, and orders, net revenue and new customers per day."""

from __future__ import annotations

from include.crm.contracts import TABLES
from include.warehouse_kit.anomaly import Monitor, Series, volume_monitor

MONITORS = (
    *(volume_monitor(t.name) for t in TABLES),
    Monitor(Series("orders_per_day"), "crm/anomaly/orders_per_day.sql"),
    Monitor(Series("net_revenue_per_day"), "crm/anomaly/net_revenue_per_day.sql"),
    Monitor(Series("new_customers_per_day"), "crm/anomaly/new_customers_per_day.sql"),
)
