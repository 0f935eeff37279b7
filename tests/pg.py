"""PostgreSQL for tests: the server named by NNLAB_TEST_DATABASE_URL, one fresh schema per test."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

TEST_URL_ENV = "NNLAB_TEST_DATABASE_URL"
REQUIRE_ENV = "NNLAB_REQUIRE_POSTGRES"


def postgres_test_url() -> str:
    """The test server's URL; skips without one, fails where PostgreSQL is required."""
    url = os.environ.get(TEST_URL_ENV, "").strip()
    if url:
        return url
    reason = f"no PostgreSQL to test against: set {TEST_URL_ENV}=postgresql+psycopg://..."
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"PostgreSQL tests are required here ({REQUIRE_ENV}=1): {reason}")
    pytest.skip(reason)
    raise AssertionError("unreachable")  # pytest.skip raises


@contextlib.contextmanager
def fresh_schema_url(base_url: str) -> Iterator[str]:
    """A URL whose tables land in a new, empty schema; the schema is dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base_url, connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = sa.make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
