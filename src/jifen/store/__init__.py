"""Storage: SQLAlchemy tables, Alembic migrations, and repositories over a connection."""
