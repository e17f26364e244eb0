SELECT to_regclass('audit.handoff_runs') IS NOT NULL;
