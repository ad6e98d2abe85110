"""A real Cc: the addresses an outbox message copies in, kept apart from its recipients (the
message's Cc header; the envelope reaches them too). Messages queued before have none."""

from peewee import TextField


def up(migrator, db):
    migrator.migrate(migrator.add_column("outbox_message", "cc", TextField(default="")))
