import pytest
from rest_framework.test import APIClient

from tests.support.api import ENGLISH


@pytest.fixture
def api_client() -> APIClient:
    return APIClient(**ENGLISH)
