-- Marts are built on top of core (see include/sql/marts/).
CREATE SCHEMA IF NOT EXISTS marts;
