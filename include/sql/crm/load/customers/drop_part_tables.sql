-- The SCD2 plan's tables of the previous part (parts run one after another).
DROP TABLE IF EXISTS tmp_ids, tmp_close, tmp_update, tmp_insert
