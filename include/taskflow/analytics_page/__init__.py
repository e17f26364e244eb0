"""The Task analytics page: KPI tiles, created vs completed, completion by project, the top
users and the project health table, read from TaskFlow's marts. Mounted at /task-analytics by
plugins/task_analytics_page.py."""
