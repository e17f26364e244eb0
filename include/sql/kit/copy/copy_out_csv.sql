COPY ({select}) TO STDOUT (FORMAT csv, HEADER true, NULL {null})
