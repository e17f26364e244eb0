-- Per file: the lines recorded against the facts read from it, its identical duplicates and its
-- lines open in quarantine (keyed "<path>:<line>"); the files that do not add up, and facts
-- whose file the manifest does not hold.
WITH facts AS (
    SELECT {path_column} AS path, count(*) AS n FROM {fact_table} GROUP BY 1
), quarantined AS (
    SELECT left(source_key, length(source_key) - strpos(reverse(source_key), ':')) AS path, count(*) AS n
    FROM audit.quarantine
    WHERE dag_id = %(dag_id)s AND source_table = %(source)s AND released_at IS NULL
    GROUP BY 1
), manifest AS (
    SELECT path, lines, duplicates FROM audit.file_manifest WHERE dag_id = %(dag_id)s AND source = %(source)s
), compared AS (
    SELECT coalesce(m.path, f.path, q.path) AS path, coalesce(m.lines, 0) AS lines,
           coalesce(f.n, 0) + coalesce(m.duplicates, 0) + coalesce(q.n, 0) AS placed
    FROM manifest m
    FULL JOIN facts f ON f.path = m.path
    FULL JOIN quarantined q ON q.path = coalesce(m.path, f.path)
)
SELECT path, lines, placed FROM compared WHERE lines <> placed ORDER BY path LIMIT %(sample)s
