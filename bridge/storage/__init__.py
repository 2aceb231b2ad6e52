"""Persistence: one `Store` interface, embedded SQLite by default, PostgreSQL when configured."""
