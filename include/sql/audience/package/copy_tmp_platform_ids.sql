COPY tmp_platform_ids (external_id) FROM STDIN
