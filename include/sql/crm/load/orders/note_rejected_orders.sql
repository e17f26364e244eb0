-- Orders whose lines must be re-keyed and re-valued: this batch's bad ones.
INSERT INTO tmp_orders SELECT source_id FROM tmp_rejects WHERE source_id IS NOT NULL
