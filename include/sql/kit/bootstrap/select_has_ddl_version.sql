SELECT to_regclass('audit.ddl_version') IS NOT NULL
