-- Source contract of the demo CRM (schema crm). Idempotent.
-- No foreign keys and no CHECK constraints on purpose: the generator
-- (devtools/demo_crm/) writes dirty data that the ETL must handle.
CREATE SCHEMA IF NOT EXISTS crm;

CREATE TABLE IF NOT EXISTS crm.customers (
    customer_id      bigint PRIMARY KEY,
    email            text NULL,
    first_name       text,
    last_name        text,
    country          text NULL,
    city             text NULL,
    marketing_opt_in boolean NOT NULL,
    created_at       timestamptz,
    updated_at       timestamptz,
    deleted_at       timestamptz NULL
);

CREATE TABLE IF NOT EXISTS crm.products (
    product_id  bigint PRIMARY KEY,
    sku         text,
    name        text,
    category    text,
    list_price  numeric(12,2),
    is_active   boolean,
    created_at  timestamptz,
    updated_at  timestamptz
);

CREATE TABLE IF NOT EXISTS crm.orders (
    order_id        bigint PRIMARY KEY,
    customer_id     bigint,            -- no FK: may reference a customer that arrives later
    order_ts        timestamptz,
    status          text,              -- placed, paid, shipped, delivered, cancelled, refunded
    channel         text,              -- web, mobile, marketplace
    currency        char(3),
    discount_amount numeric(12,2),
    shipping_amount numeric(12,2),
    created_at      timestamptz,
    updated_at      timestamptz
);

CREATE TABLE IF NOT EXISTS crm.order_items (
    order_item_id bigint PRIMARY KEY,
    order_id      bigint,
    product_id    bigint,
    quantity      integer,
    unit_price    numeric(12,2) NULL,
    created_at    timestamptz,
    updated_at    timestamptz
);

CREATE INDEX IF NOT EXISTS customers_updated_at_idx   ON crm.customers (updated_at);
CREATE INDEX IF NOT EXISTS products_updated_at_idx    ON crm.products (updated_at);
CREATE INDEX IF NOT EXISTS orders_updated_at_idx      ON crm.orders (updated_at);
CREATE INDEX IF NOT EXISTS order_items_updated_at_idx ON crm.order_items (updated_at);
