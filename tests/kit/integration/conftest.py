"""Kit integration tests on the CRM's test worlds: the fixtures of tests/crm/integration/conftest.py,
imported explicitly (pytest_plugins is for the root conftest only)."""

from tests.crm.integration.conftest import world_factory  # noqa: F401
