"""The dependency that guards every route of a page: a signed-in user (the UI's session cookie
or an `Authorization: Bearer` token) who may see the Airflow UI."""

from __future__ import annotations

from collections.abc import Callable


def authenticated_user() -> Callable:
    """The auth manager's own dependency: 401 without credentials, 403 when not allowed."""
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view

    return requires_access_view(AccessView.WEBSITE)
