"""One-time recovery codes: they stand in for the TOTP code when the phone is lost.

Ten per account, shown once when made, stored hashed, each accepted once.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select, update

from ged.models import RecoveryCode, User
from ged.uow import UnitOfWork

COUNT = 10
# Crockford's base32 (no i, l, o, u to misread): 16 symbols of 5 bits are 80 random bits.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_LENGTH = 16
_MISREAD = str.maketrans({"i": "1", "l": "1", "o": "0"})


def spend(uow: UnitOfWork, user: User, code: str) -> bool:
    """Accept an unused code of the account and mark it used, in one conditional UPDATE
    so that two requests racing with the same code cannot both pass."""
    spent = uow.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=uow.clock.now())
    )
    return spent.rowcount == 1  # type: ignore[attr-defined]


def renew(uow: UnitOfWork, user: User) -> list[str]:
    """New codes for the account, in place of all its old ones; returned as shown to people
    (four groups of four), in the caller's transaction."""
    delete_all(uow, user)
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH)) for _ in range(COUNT)]
    uow.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return ["-".join(code[i : i + 4] for i in range(0, _LENGTH, 4)) for code in codes]


def delete_all(uow: UnitOfWork, user: User) -> None:
    for old in uow.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        uow.session.delete(old)


def unused(uow: UnitOfWork, user: User) -> int:
    query = select(func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return uow.session.scalar(query) or 0


def _hash(code: str) -> str:
    """SHA-256 of the code as typed, give or take dashes, case and misread letters.

    A slow password hash (argon2) protects what people choose; these codes are drawn at
    random with 80 bits, so finding one from its hash takes about 2**79 SHA-256
    computations, beyond any attacker, and a plain hash is enough (as for API tokens).
    It also lets a code be looked up by its hash, where argon2 would verify each of the
    ten in turn at every attempt: seconds of CPU that an attacker could make us spend."""
    normal = code.lower().replace("-", "").translate(_MISREAD)
    return hashlib.sha256(normal.encode()).hexdigest()
