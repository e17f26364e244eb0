INSERT INTO core.dim_customer ({columns}) SELECT {columns} FROM tmp_insert
