"""netra-lint: find WebSocket lifecycle and concurrency bugs in async Python backends."""

__version__ = "0.1.0"
