LEFT JOIN tmp_minutes m ON m.is_new AND m.event_id = l.event_id
