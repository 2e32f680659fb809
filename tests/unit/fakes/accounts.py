"""Users, tokens, the sign-in throttle and password hashing in memory.

The throttle fake keeps states only, as the SQL adapter does; the policy that changes them
is ``evidence.throttle``'s, the same in both.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from evidence.accounts import Credentials, StoredToken, TokenKind, TokenRecord, UserAccount
from evidence.errors import Conflict, NotFound
from evidence.throttle import Lockout, ThrottleKey, ThrottleState


class FakeUsers:
    def __init__(self) -> None:
        self.accounts_by_name: dict[str, UserAccount] = {}
        self.hashes: dict[str, str] = {}

    def __deepcopy__(self, memo: dict[int, object]) -> FakeUsers:
        # The unit of work snapshots each repository's attributes; ``FakeTokens`` refers to
        # this repository itself, which must stay the one the unit of work holds.
        return self

    def add(self, account: UserAccount, password_hash: str) -> None:
        if account.name in self.accounts_by_name:
            raise Conflict(f"user {account.name}: already exists")
        self.accounts_by_name[account.name] = account
        self.hashes[account.name] = password_hash

    def accounts(self) -> list[UserAccount]:
        return [self.accounts_by_name[name] for name in sorted(self.accounts_by_name)]

    def account(self, name: str) -> UserAccount:
        if name not in self.accounts_by_name:
            raise NotFound(f"user {name}: not found")
        return self.accounts_by_name[name]

    def credentials(self, name: str) -> Credentials | None:
        account = self.accounts_by_name.get(name)
        return Credentials(account, self.hashes[name]) if account else None

    def disable(self, name: str) -> None:
        self.accounts_by_name[name] = replace(self.account(name), disabled=True)


class FakeTokens:
    """Tokens by digest; a token reads its user's account live, as the SQL join does."""

    def __init__(self, users: FakeUsers) -> None:
        self.users = users
        self.held: dict[str, tuple[str, TokenRecord, bool]] = {}

    def add(self, name: str, token: TokenRecord) -> None:
        self.users.account(name)
        self.held[token.digest] = (name, token, False)

    def find(self, digest: str, kind: TokenKind) -> StoredToken | None:
        found = self.held.get(digest)
        if found is None or found[1].kind is not kind:
            return None
        name, token, revoked = found
        account = self.users.account(name)
        return StoredToken(account, kind, token.csrf, token.expires_at, revoked)

    def revoke(self, digest: str) -> None:
        if digest in self.held:
            name, token, _ = self.held[digest]
            self.held[digest] = (name, token, True)

    def revoke_all(self, name: str) -> None:
        self.users.account(name)
        for digest, (owner, _, _) in list(self.held.items()):
            if owner == name:
                self.revoke(digest)


class FakeThrottle:
    def __init__(self) -> None:
        self.held: dict[ThrottleKey, ThrottleState] = {}

    def states(self, keys: list[ThrottleKey]) -> list[ThrottleState]:
        return [self.held.get(key, ThrottleState()) for key in keys]

    def hold(self, key: ThrottleKey) -> ThrottleState:
        return self.held.setdefault(key, ThrottleState())

    def put(self, key: ThrottleKey, state: ThrottleState) -> None:
        self.held[key] = state

    def clear(self, key: ThrottleKey) -> ThrottleState | None:
        return self.held.pop(key, None)

    def forget_stale(self, cutoff: datetime) -> None:
        for key, state in list(self.held.items()):
            moments = [m for m in (state.last_failure_at, state.locked_until) if m is not None]
            if moments and max(moments) < cutoff:
                del self.held[key]

    def locked(self, now: datetime) -> list[Lockout]:
        locks = [
            Lockout(kind, key, state.locked_until, state.lockouts)
            for (kind, key), state in self.held.items()
            if state.locked_until is not None and state.is_locked(now)
        ]
        return sorted(locks, key=lambda lock: lock.until)


class FakePasswords:
    """Reversible on purpose (the unit tests are not about hashing); never a real scheme."""

    def hash(self, password: str) -> str:
        return f"fake${password[::-1]}"

    def verify(self, password_hash: str | None, password: str) -> bool:
        return password_hash is not None and password_hash == self.hash(password)
