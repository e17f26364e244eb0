-- One part of the members: a person is an email group, so parts split by a hash of the email.
SELECT {columns} FROM tmp_members
WHERE (hashtext(coalesce(email, '')) & 2147483647) %% %(parts)s = %(part)s
ORDER BY customer_id
