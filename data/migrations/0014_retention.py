"""Retention (issue 15): the offers a save attempt may make, save attempts, the note why none
was made on a cancellation, change requests and the decisions of their approval chain (one per
step of a round: a unique index, so two approvers acting at once make exactly one)."""

import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
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

    class Offer(Base):
        name = CharField(max_length=80, unique=True)
        active = BooleanField(default=True)
        position = IntegerField(default=0)

    class SaveAttempt(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        by = ForeignKeyField(User, on_delete="RESTRICT")
        at = DateTimeField(default=datetime.datetime.utcnow)
        concern = TextField(default="")
        offers = TextField(default="")
        outcome = CharField(max_length=16, default="open")
        note = TextField(default="")

        class Meta:
            table_name = "save_attempt"
            indexes = ((("customer", "at"), False),)

    class RetentionNote(Base):
        cancellation = ForeignKeyField(Cancellation, on_delete="CASCADE", unique=True)
        by = ForeignKeyField(User, on_delete="RESTRICT")
        at = DateTimeField(default=datetime.datetime.utcnow)
        note = TextField()

        class Meta:
            table_name = "retention_note"

    class ChangeRequest(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        kind = CharField(max_length=16)
        state = CharField(max_length=16, default="draft")
        effective_date = DateField()
        end_date = DateField(null=True)
        credit = DecimalField(max_digits=12, decimal_places=2, default=0)
        notes = TextField(default="")
        retention = BooleanField(default=False)
        cancellation = ForeignKeyField(Cancellation, null=True, on_delete="SET NULL")
        created_by = ForeignKeyField(User, on_delete="RESTRICT")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        submitted_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        submitted_at = DateTimeField(null=True)
        round = IntegerField(default=0)
        step = IntegerField(default=0)
        chain = TextField(default="[]")
        decided_at = DateTimeField(null=True)
        resumed_at = DateTimeField(null=True)
        resumed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        version = IntegerField(default=1)

        class Meta:
            table_name = "change_request"
            indexes = ((("customer", "state"), False), (("state", "kind"), False))

    class Approval(Base):
        request = ForeignKeyField(ChangeRequest, on_delete="CASCADE")
        round = IntegerField()
        step = IntegerField()
        step_key = CharField(max_length=48)
        by = ForeignKeyField(User, on_delete="RESTRICT")
        at = DateTimeField(default=datetime.datetime.utcnow)
        decision = CharField(max_length=16)
        comment = TextField(default="")

        class Meta:
            table_name = "approval"
            indexes = ((("request", "round", "step"), True),)

    db.create_tables([Offer, SaveAttempt, RetentionNote, ChangeRequest, Approval], safe=True)
