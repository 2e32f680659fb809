"""In-memory fakes of the ports, for unit tests of the services (no SQL, no files).

``FakeUnitOfWork`` keeps the transaction semantics the services rely on: what a use case
did is kept only if it committed; leaving the block without a commit (or by an exception)
puts every repository back as it was when the unit of work began. A fake repository keeps
its state in plain attributes, which the unit of work copies and restores.
"""

from __future__ import annotations

import copy
from types import TracebackType
from typing import Any, Self

from tests.unit.fakes.accounts import FakeThrottle, FakeTokens, FakeUsers
from tests.unit.fakes.audit import FakeAuditTrail
from tests.unit.fakes.items import FakeItems


class FakeUnitOfWork:
    """Repositories as attributes; add more with ``with_repository``."""

    def __init__(self) -> None:
        self.items = FakeItems()
        self.audit = FakeAuditTrail()
        self.users = FakeUsers()
        self.tokens = FakeTokens(self.users)
        self.throttle = FakeThrottle()
        self.commits = 0
        self._saved: dict[str, dict[str, Any]] | None = None

    def with_repository(self, name: str, repository: object) -> Self:
        setattr(self, name, repository)
        return self

    def _repositories(self) -> dict[str, object]:
        return {
            name: value
            for name, value in vars(self).items()
            if not name.startswith("_") and name != "commits"
        }

    def __enter__(self) -> Self:
        self._saved = {
            name: copy.deepcopy(vars(repo)) for name, repo in self._repositories().items()
        }
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()
        self._saved = None

    def commit(self) -> None:
        self.commits += 1
        self._saved = {
            name: copy.deepcopy(vars(repo)) for name, repo in self._repositories().items()
        }

    def rollback(self) -> None:
        if self._saved is None:
            return
        for name, repo in self._repositories().items():
            saved = self._saved.get(name)
            if saved is not None:
                vars(repo).clear()
                vars(repo).update(copy.deepcopy(saved))
