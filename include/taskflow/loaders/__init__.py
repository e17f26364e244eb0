"""One loader per TaskFlow source table, each one transaction (include/warehouse_kit/load.py)."""
