"""Alembic migrations. Apply with ``ged db upgrade``; create with ``alembic revision --autogenerate``."""
