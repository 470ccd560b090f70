"""Database models. Every model module is imported here so Alembic sees all tables."""

from ged.models.users import ROLES, User

__all__ = ["ROLES", "User"]
