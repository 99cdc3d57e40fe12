"""The live service a network runs every day: ``carenet serve``.

One sub-package per domain: :mod:`~carenet.service.store` (the database: SQLAlchemy 2 tables,
Alembic migrations, loading a canonical dataset in and exporting the store's activity out).
The service calls the network layer (:mod:`carenet.network`) for staffing, diaries, routing and
booking, so live practice lands in the same canonical tables the measures read.
"""
