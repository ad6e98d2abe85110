"""Who is told on Process, besides users: the playbook's parties chosen on the cancellation
(their keys, comma-separated; their addresses are the playbook's). Cases begun before have none."""

from peewee import TextField


def up(migrator, db):
    migrator.migrate(migrator.add_column("cancellation", "notify_parties", TextField(default="")))
