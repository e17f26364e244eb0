-- The new lines ({new_lines}: new_lines.sql) with the minutes in the previous status of the
-- status changes (tmp_minutes, create_tmp_minutes.sql).
(SELECT l.*, m.computed AS minutes
 FROM {new_lines} l
 LEFT JOIN tmp_minutes m ON m.is_new AND m.line_key = l.line_key)
