-- The audience handoff: segments -> campaign audiences at their destinations
-- (include/audience/, docs/audience_handoff.md).

-- One row per (run, audience): what the run did for it, written when the audience is done.
CREATE TABLE IF NOT EXISTS audit.handoff_log (
    dag_id        text          NOT NULL,
    run_id        text          NOT NULL,
    audience_id   text          NOT NULL,  -- a bad campaign entry without a usable id: campaigns[<index>]
    as_of_date    date,                    -- the snapshot handed off (NULL if the run never resolved one)
    destination   text,
    status        text          NOT NULL CHECK (status IN ('success', 'failed', 'skipped', 'superseded')),
    upserted      integer       NOT NULL DEFAULT 0,  -- members sent (new or changed) and acknowledged
    removed       integer       NOT NULL DEFAULT 0,  -- delivered members taken out, acknowledged
    unchanged     integer       NOT NULL DEFAULT 0,  -- members whose delivered payload is the same
    batches       integer       NOT NULL DEFAULT 0,  -- requests (or files) acknowledged
    http_retries  integer       NOT NULL DEFAULT 0,  -- requests sent again (429, 5xx, timeouts)
    seconds       numeric(10, 2),
    error         text,                    -- why it failed, the destination's answer included
    detail        text,                    -- why it was skipped or superseded
    package_checksum text,
    retryable     boolean       NOT NULL DEFAULT false,  -- failed, but a retry may fix it (5xx, timeouts)
    logged_at     timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (dag_id, run_id, audience_id)
);
CREATE INDEX IF NOT EXISTS handoff_log_audience_idx ON audit.handoff_log (audience_id, as_of_date);

-- Per (audience, destination): how far it has been delivered. as_of_date only moves forward:
-- a run for an older snapshot is superseded.
CREATE TABLE IF NOT EXISTS audit.audience_state (
    audience_id           text        NOT NULL,
    destination           text        NOT NULL,
    as_of_date            date        NOT NULL,  -- newest snapshot any acknowledged batch carried
    complete_as_of_date   date,                  -- newest snapshot delivered completely
    package_id            bigint      NOT NULL,  -- the package that delivered last
    metadata_fingerprint  text,                  -- of the name and description last sent
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (audience_id, destination)
);

-- The last delivered state: the members the destination holds, as far as it acknowledged.
CREATE TABLE IF NOT EXISTS audit.audience_delivered (
    audience_id   text        NOT NULL,
    destination   text        NOT NULL,
    external_id   text        NOT NULL,
    fingerprint   text,                    -- NULL: known to be there (a resync), payload unknown
    payload       text,                    -- the member as sent (canonical JSON)
    as_of_date    date        NOT NULL,
    package_id    bigint      NOT NULL,
    delivered_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (audience_id, destination, external_id)
);

-- A run's audiences as extracted and transformed, before the diff. One partition of rows per
-- run, replaced when its step runs again.
CREATE TABLE IF NOT EXISTS staging.audience_members (
    dag_id        text    NOT NULL,
    run_id        text    NOT NULL,
    audience_id   text    NOT NULL,
    customer_id   bigint  NOT NULL,
    email         text    NOT NULL,
    first_name    text,
    country_code  text,
    segment       text    NOT NULL,
    recency_days  integer,
    frequency     integer NOT NULL,
    monetary      numeric(14, 2) NOT NULL,
    PRIMARY KEY (dag_id, run_id, audience_id, customer_id)
);
CREATE TABLE IF NOT EXISTS staging.audience_payloads (
    dag_id        text    NOT NULL,
    run_id        text    NOT NULL,
    audience_id   text    NOT NULL,
    external_id   text    NOT NULL,
    payload       text    NOT NULL,  -- canonical JSON: the contract's field order, no spaces
    fingerprint   text    NOT NULL,  -- sha256 of payload
    PRIMARY KEY (dag_id, run_id, audience_id, external_id)
);

-- One package per (run, audience): the diff against the delivered state, frozen once built so
-- that a retry resends the very same batches under the very same idempotency keys. It is built
-- again only when the run's payloads changed (extract and transform ran again) or another run
-- delivered the audience meanwhile; the one it replaces is deleted, or retired if the
-- destination acknowledged any of its batches.
CREATE TABLE IF NOT EXISTS audit.handoff_packages (
    package_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dag_id        text        NOT NULL,
    run_id        text        NOT NULL,
    audience_id   text        NOT NULL,
    destination   text        NOT NULL,
    as_of_date    date        NOT NULL,
    name          text        NOT NULL,
    description   text,
    based_on      bigint,                 -- audience_state.package_id when it was built
    full_resync   boolean     NOT NULL DEFAULT false,
    members       integer     NOT NULL,   -- the audience of as_of_date
    upserts       integer     NOT NULL,
    removes       integer     NOT NULL,
    unchanged     integer     NOT NULL,
    checksum      text        NOT NULL,   -- sha256 over the package's (kind, external_id, fingerprint)
    superseded_by date,                   -- a newer snapshot was delivered: nothing to send
    payloads_checksum text,               -- of the staged payloads it was built from
    retired_at    timestamptz,            -- set aside for a package built again in the same run
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- One current package per (run, audience); a retired one stays as it was sent.
CREATE UNIQUE INDEX IF NOT EXISTS handoff_packages_current_idx ON audit.handoff_packages (dag_id, run_id, audience_id)
    WHERE retired_at IS NULL;
CREATE TABLE IF NOT EXISTS audit.handoff_package_members (
    package_id    bigint  NOT NULL REFERENCES audit.handoff_packages ON DELETE CASCADE,
    kind          text    NOT NULL CHECK (kind IN ('upsert', 'remove')),
    external_id   text    NOT NULL,
    batch_no      integer NOT NULL,
    fingerprint   text,                   -- upserts: the payload's; removes: NULL
    payload       text,                   -- upserts: the member; removes: the last delivered payload
    reason        text,                   -- removes: no_consent, deleted, left_audience
    PRIMARY KEY (package_id, kind, external_id)
);
CREATE TABLE IF NOT EXISTS audit.handoff_batches (
    package_id       bigint      NOT NULL REFERENCES audit.handoff_packages ON DELETE CASCADE,
    kind             text        NOT NULL CHECK (kind IN ('upsert', 'remove')),
    batch_no         integer     NOT NULL,
    items            integer     NOT NULL,
    idempotency_key  text        NOT NULL,
    acked_at         timestamptz,          -- the destination acknowledged it
    tries            integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (package_id, kind, batch_no)
);

-- One row per handoff run: the snapshot it hands off (pinned by its first task), the run that
-- built the snapshot, and the campaigns that passed their schema.
CREATE TABLE IF NOT EXISTS audit.handoff_runs (
    dag_id         text        NOT NULL,
    run_id         text        NOT NULL,
    as_of_date     date        NOT NULL,
    chosen_by      text        NOT NULL CHECK (chosen_by IN ('asset_event', 'param', 'latest')),
    source_dag_id  text,
    source_run_id  text,
    campaigns      jsonb       NOT NULL DEFAULT '[]'::jsonb,
    full_resync    boolean     NOT NULL DEFAULT false,
    validated_at   timestamptz,
    PRIMARY KEY (dag_id, run_id)
);
