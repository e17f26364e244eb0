"""The "Customer segments" page: a FastAPI app that an Airflow plugin mounts at /segments.

- `filters`: every query parameter, validated against allow-lists and the warehouse's values.
- `queries`: the page's reads (SQL in include/sql/crm/segments_page/), through `warehouse_reader`.
- `csv_export`: streaming, Excel-safe CSV of any view.
- `app`: the routes, all behind Airflow's auth manager.
- `mount`: what the plugin mounts: the app, built on its first request.
"""
