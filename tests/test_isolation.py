"""The shared test infrastructure keeps tests apart: these pairs would fail if it leaked."""

import pytest
from sqlalchemy import func, select

from ged.models import User

MARKER = "isolation-probe"


@pytest.mark.parametrize("attempt", [1, 2])
def test_database_changes_are_rolled_back_between_tests(db_session, attempt):
    assert db_session.scalar(select(func.count()).where(User.username == MARKER)) == 0
    db_session.add(User(username=MARKER, role="agent", password_hash="x"))
    db_session.commit()
    assert db_session.scalar(select(func.count()).where(User.username == MARKER)) == 1


@pytest.mark.parametrize("attempt", [1, 2])
def test_redis_database_is_empty_for_each_test(redis_client, attempt):
    assert redis_client.get(MARKER) is None
    redis_client.set(MARKER, attempt)


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_has_its_own_index_prefix(opensearch_client, settings, attempt):
    index = f"{settings.opensearch.index_prefix}-probe"
    assert not opensearch_client.indices.exists(index=index)
    opensearch_client.indices.create(index=index)
    opensearch_client.index(index=index, body={"n": attempt}, refresh=True)
    assert opensearch_client.count(index=index)["count"] == 1
