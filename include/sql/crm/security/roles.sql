-- Least privilege for the ETL and the page. Idempotent: run it as an admin in the CRM source
-- database and in the warehouse database (include/crm/security.py does both), again after
-- any change. Passwords are never here: set them from your secret store (security.py reads
-- ETL_EXTRACT_PASSWORD, ETL_WRITER_PASSWORD, DASH_READER_PASSWORD).
--
--   etl_extract  SELECT on schemas crm and taskflow only        -> connections crm_source, taskflow_source
--   etl_writer   owns staging, core, marts, audit               -> connection warehouse
--   dash_reader  SELECT on marts only (emails only through      -> connection warehouse_reader
--                the view marts.segment_contacts)

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'etl_extract') THEN
        CREATE ROLE etl_extract LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'etl_writer') THEN
        CREATE ROLE etl_writer LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dash_reader') THEN
        CREATE ROLE dash_reader LOGIN;
    END IF;
END $$;

-- Source side: read the contract tables, nothing else. Read-only even if a grant slips in.
DO $$
DECLARE
    s text;
BEGIN
    FOREACH s IN ARRAY ARRAY['crm', 'taskflow'] LOOP  -- the source schemas (crm_source, taskflow_source)
        IF to_regnamespace(s) IS NOT NULL THEN
            EXECUTE format('GRANT CONNECT ON DATABASE %I TO etl_extract', current_database());
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO etl_extract', s);
            EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO etl_extract', s);
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO etl_extract', s);
            EXECUTE format('ALTER ROLE etl_extract IN DATABASE %I SET default_transaction_read_only = on',
                           current_database());
        END IF;
    END LOOP;
END $$;

-- Warehouse side (any database without a source schema, or with core already): etl_writer creates
-- and owns the four schemas and everything in them; PUBLIC gets nothing there.
DO $$
DECLARE
    s text;
    obj record;
BEGIN
    IF (to_regnamespace('crm') IS NOT NULL OR to_regnamespace('taskflow') IS NOT NULL)
       AND to_regnamespace('core') IS NULL THEN
        RETURN;  -- a source database
    END IF;
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    EXECUTE format('GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %I TO etl_writer', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO dash_reader', current_database());
    FOREACH s IN ARRAY ARRAY['staging', 'core', 'marts', 'audit'] LOOP
        EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION etl_writer', s);
        EXECUTE format('ALTER SCHEMA %I OWNER TO etl_writer', s);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', s);
        FOR obj IN
            SELECT c.relname, c.relkind FROM pg_class c
            WHERE c.relnamespace = s::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND pg_get_userbyid(c.relowner) <> 'etl_writer'
              -- sequences of identity / serial columns move with their table
              AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')
                              AND d.classid = 'pg_class'::regclass AND c.relkind = 'S')
            ORDER BY c.relkind = 'S'
        LOOP
            EXECUTE format('ALTER %s %I.%I OWNER TO etl_writer',
                           CASE obj.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                            WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                            ELSE 'TABLE' END, s, obj.relname);
        END LOOP;
        FOR obj IN
            SELECT p.oid::regprocedure AS signature FROM pg_proc p
            WHERE p.pronamespace = s::regnamespace AND pg_get_userbyid(p.proowner) <> 'etl_writer'
        LOOP
            EXECUTE format('ALTER ROUTINE %s OWNER TO etl_writer', obj.signature);
        END LOOP;
    END LOOP;
    -- The page reads marts, including what etl_writer creates later.
    GRANT USAGE ON SCHEMA marts TO dash_reader;
    GRANT SELECT ON ALL TABLES IN SCHEMA marts TO dash_reader;
    ALTER DEFAULT PRIVILEGES FOR ROLE etl_writer IN SCHEMA marts GRANT SELECT ON TABLES TO dash_reader;
    EXECUTE format('ALTER ROLE dash_reader IN DATABASE %I SET default_transaction_read_only = on',
                   current_database());
END $$;
