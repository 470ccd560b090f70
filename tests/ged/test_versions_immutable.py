"""A written version never changes; only its pipeline state does."""

import pytest
from sqlalchemy import select

from ged.models import Blob, Document, User, Version
from ged.models.documents import ImmutableVersion


@pytest.fixture
def version(db_session) -> Version:
    user = User(username="claire", role="agent", password_hash="x")
    blob = Blob(sha256="a" * 64, size=3)
    document = Document(title="Arrêté", created_by=user, current_version=1)
    version = Version(
        document=document,
        number=1,
        blob_sha256=blob.sha256,
        size=3,
        mime_type="text/plain",
        filename="a.txt",
        created_by=user,
    )
    db_session.add_all([user, blob, document, version])
    db_session.commit()
    return version


@pytest.mark.parametrize(
    ("column", "value"), [("blob_sha256", "b" * 64), ("filename", "b.txt"), ("number", 2)]
)
def test_changing_what_a_version_is_is_refused(db_session, version, column, value):
    setattr(version, column, value)
    with pytest.raises(ImmutableVersion, match=f"immutable.*{column}"):
        db_session.commit()
    db_session.rollback()
    stored = db_session.scalars(select(Version)).one()
    assert stored.blob_sha256 == "a" * 64 and stored.filename == "a.txt" and stored.number == 1


def test_pipeline_state_may_change(db_session, version):
    version.status = "done"
    version.page_count = 2
    db_session.commit()
    assert db_session.scalars(select(Version.status)).one() == "done"
