"""What a UI page that a plugin mounts in the Airflow api-server reuses.

- `mount`: `AppOnFirstRequest`, the ASGI app a plugin mounts; it builds the page's app on
  its first request, so the processes that load plugins but never serve a page skip it.
- `auth`: `authenticated_user`, the auth manager's dependency (Airflow does not authenticate
  plugin apps itself, apache/airflow#72655).
- `app`: a page's FastAPI app behind that dependency, its HTML and static assets, and CSV
  downloads.
- `reader`: the page's read-only, time-limited warehouse session.
- `csv_export`: streamed, Excel-safe CSV from a server-side cursor.

Nothing here imports FastAPI at import time of this package or of `mount`.
"""
