"""Scenarios, billing and delivery: a cancellation's scenario and its confirmed steps, invoices,
billing status and notes, the customer's modules, and what the outbox needs to deliver a
message at most once (audience, claim, back-off)."""

import datetime

from peewee import (
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    Model,
    TextField,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # Frozen stand-ins for the tables the new ones point at (only their keys matter).
    class User(Base):
        login = CharField(max_length=64, unique=True)

    class Customer(Base):
        account = CharField(max_length=32, unique=True)

    class Cancellation(Base):
        state = CharField(max_length=16)

    class Invoice(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        number = CharField(max_length=32)
        issued_on = DateField()
        due_date = DateField()
        amount = DecimalField(max_digits=12, decimal_places=2, default=0)
        status = CharField(max_length=16, default="open")
        paid_on = DateField(null=True)

        class Meta:
            indexes = ((("customer", "due_date"), False),)

    class ScenarioStep(Base):
        cancellation = ForeignKeyField(Cancellation, on_delete="CASCADE")
        step = CharField(max_length=32)
        done_by = ForeignKeyField(User, on_delete="RESTRICT")
        done_at = DateTimeField(default=datetime.datetime.utcnow)
        note = TextField(default="")

        class Meta:
            indexes = ((("cancellation", "step"), True),)

    db.create_tables([Invoice, ScenarioStep], safe=True)

    migrator.migrate(
        migrator.add_column(
            "customer", "billing_status", CharField(max_length=24, default="Current")
        ),
        migrator.add_column("customer", "modules", TextField(default="")),
        migrator.add_column("case", "billing_note", TextField(default="")),
        migrator.add_column("cancellation", "scenario", CharField(max_length=24, default="buyout")),
        migrator.add_column(
            "outbox_message", "audience", CharField(max_length=16, default="internal")
        ),
        migrator.add_column(
            "outbox_message",
            "created_by_id",
            ForeignKeyField(User, null=True, on_delete="RESTRICT", field=User.id),
        ),
        migrator.add_column("outbox_message", "next_attempt_at", DateTimeField(null=True)),
        migrator.add_column("outbox_message", "claimed_by", CharField(max_length=120, default="")),
        migrator.add_column("outbox_message", "claimed_at", DateTimeField(null=True)),
        # The outbox of one customer is read newest first, a page at a time.
        migrator.drop_index("outbox_message", "outbox_message_customer_id"),
        migrator.add_index("outbox_message", ("customer_id", "id"), False),
    )
