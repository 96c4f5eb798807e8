"""Project-mode fixture: every import style the project resolver must follow.
Its trailing annotation comments give the exact findings of a project-mode run."""

from .util.send import safe_send as safe_send  # a re-export
