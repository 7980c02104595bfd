"""Who is asking and from where, for the audit log, without passing the request to services."""

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
