"""The store: SQLAlchemy Core tables, the database connection and its migrations."""
