"""The Data quality page: every pipeline's latest checks, freshness, reconciliation, column
profiles and open quarantine, from the audit schema alone (it names no domain)."""
