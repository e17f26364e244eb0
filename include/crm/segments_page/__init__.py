"""The "Customer segments" page: a FastAPI app that an Airflow plugin mounts at /segments.

- `filters`: every query parameter, validated against allow-lists and the warehouse's values.
- `queries`: the page's reads (SQL in include/sql/crm/segments_page/) and CSV exports.
- `app`: the routes, all behind Airflow's auth manager; `create_app` is what
  plugins/segments_page.py builds on the first request.

What any page reuses (the lazy mount, the auth dependency, static assets, the read-only
session, streamed Excel-safe CSV) is in include/warehouse_kit/page_kit/.
"""
