"""The outbox's at-most-once delivery: when a message was handed to the mail server (so a
stopped sender's message is known to be uncertain, not sent twice) and its stable Message-ID."""

from peewee import CharField, DateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("outbox_message", "handed_over_at", DateTimeField(null=True)),
        migrator.add_column("outbox_message", "message_id", CharField(max_length=255, default="")),
    )
