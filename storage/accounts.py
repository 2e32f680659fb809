"""Users and their tokens on SQLAlchemy, inside a unit of work's session."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evidence.accounts import Credentials, StoredToken, TokenKind, TokenRecord, UserAccount
from evidence.errors import Conflict, NotFound
from storage.web_tables import TokenRow, UserRow


def _account(row: UserRow) -> UserAccount:
    return UserAccount(row.name, row.role, row.officer_id, row.disabled, row.created_at)


def _find_user(session: Session, name: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()


def _user_row(session: Session, name: str) -> UserRow:
    row = _find_user(session, name)
    if row is None:
        raise NotFound(f"user {name}: not found")
    return row


class SqlUsers:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, account: UserAccount, password_hash: str) -> None:
        row = UserRow(
            name=account.name,
            role=account.role,
            officer_id=account.officer_id,
            password_hash=password_hash,
            disabled=account.disabled,
            created_at=account.created_at,
        )
        try:
            # A savepoint, so a taken name leaves the unit of work usable.
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as exc:
            raise Conflict(f"user {account.name}: already exists") from exc

    def accounts(self) -> list[UserAccount]:
        rows = self.session.scalars(select(UserRow).order_by(UserRow.name))
        return [_account(row) for row in rows]

    def account(self, name: str) -> UserAccount:
        return _account(_user_row(self.session, name))

    def credentials(self, name: str) -> Credentials | None:
        row = _find_user(self.session, name)
        return Credentials(_account(row), row.password_hash) if row else None

    def disable(self, name: str) -> None:
        _user_row(self.session, name).disabled = True
        self.session.flush()


class SqlTokens:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, name: str, token: TokenRecord) -> None:
        user = _user_row(self.session, name)
        self.session.add(
            TokenRow(
                token_hash=token.digest,
                user_id=user.id,
                kind=token.kind.value,
                csrf=token.csrf,
                created_at=token.issued_at,
                expires_at=token.expires_at,
                revoked=False,
            )
        )
        self.session.flush()

    def find(self, digest: str, kind: TokenKind) -> StoredToken | None:
        query = (
            select(TokenRow, UserRow)
            .join(UserRow, UserRow.id == TokenRow.user_id)
            .where(TokenRow.token_hash == digest, TokenRow.kind == kind.value)
        )
        found = self.session.execute(query).one_or_none()
        if found is None:
            return None
        token, user = found
        return StoredToken(_account(user), kind, token.csrf, token.expires_at, token.revoked)

    def revoke(self, digest: str) -> None:
        self.session.execute(
            update(TokenRow).where(TokenRow.token_hash == digest).values(revoked=True)
        )

    def revoke_all(self, name: str) -> None:
        user = _user_row(self.session, name)
        self.session.execute(
            update(TokenRow).where(TokenRow.user_id == user.id).values(revoked=True)
        )
