"""Domain errors raised by services; the API maps them to 400/409 and views to form errors."""


class DomainError(Exception):
    """A rule of the domain refused the action; nothing was changed."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class ConflictError(DomainError):
    """The action does not fit the record's current state (e.g. an illegal transition)."""

    status_code = 409


class StorageUnavailable(DomainError):
    """A file could not be written (the storage is full, read-only or failing); nothing was
    saved. 507 Insufficient Storage: the request was fine, the server could not store it."""

    status_code = 507
