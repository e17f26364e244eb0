-- True on a warehouse whose audit tables predate per-pipeline keys.
SELECT to_regclass('audit.watermarks') IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = 'audit' AND table_name = 'watermarks' AND column_name = 'pipeline')
