ALTER ROLE {role} PASSWORD {password}
