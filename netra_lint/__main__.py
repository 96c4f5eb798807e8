"""``python -m netra_lint``: the same command as ``netra-lint``."""

from .cli import main

if __name__ == "__main__":
    main()
