"""What a UI page that a plugin mounts in the Airflow api-server reuses.

- `mount`: `AppOnFirstRequest`, the ASGI app a plugin mounts; it builds the page's app on
  its first request, so the processes that load plugins but never serve a page skip it.
- `auth`: `authenticated_user`, the auth manager's dependency (Airflow does not authenticate
  plugin apps itself, apache/airflow#72655).
- `app`: a page's FastAPI app behind that dependency (422 for a refused parameter, 404 for
  nothing published yet), its HTML (the common head is static/head.html), static assets (the
  kit's own, e.g. static/count_axis.js, among them) and CSV downloads.
- `params`: query-parameter parsing every page shares: `FilterError`, dates, snapshots, date
  ranges, allow-listed choices, sorting and paging, CSV view names.
- `reader`: the page's read-only, time-limited warehouse session, and `json_rows`.
- `csv_export`: streamed, Excel-safe CSV from a server-side cursor.

Nothing here imports FastAPI at import time of this package or of `mount`.
"""
