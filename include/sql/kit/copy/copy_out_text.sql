COPY ({select}) TO STDOUT
