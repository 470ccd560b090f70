"""Use cases as plain functions: they take a session and plain values, commit once, know nothing of HTTP."""
