"""Schema migrations, applied in order by peewee's migration runner (``data.db.migrate_schema``).

Each file declares frozen copies of the tables it makes, independent of ``data.models``.
"""
