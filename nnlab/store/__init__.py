"""Where runs, models and classes are kept: SQLAlchemy on SQLite or PostgreSQL (all the SQL)."""
