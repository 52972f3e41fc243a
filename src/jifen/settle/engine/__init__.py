"""Settlement work written once as Ibis expressions, run by DuckDB, SQLite, PostgreSQL or Spark.

The monthly scoring: ``inputs`` builds the Arrow input tables (from the roster and the month's counts),
``backends`` opens an engine and moves tables in and out, ``scoring`` is the definition (and says where
rounding happens), and ``published`` reads the rounded rows from an engine or from the exact Python
reference. The ``recount`` modules recount stored operations through the same ``backends``.
"""
