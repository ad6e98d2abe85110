"""The first schema: users, customers and their records, cancellations, audit trail, outbox."""

import datetime

from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    TextField,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        login = CharField(max_length=64, unique=True)
        display_name = CharField(max_length=120)
        email = CharField(max_length=254, default="")
        roles = TextField(default="")
        active = BooleanField(default=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class Customer(Base):
        account = CharField(max_length=32, unique=True)
        name = CharField(max_length=200)
        status = CharField(max_length=16, default="Live")
        customer_type = CharField(max_length=24, default="Customer")
        owner = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        time_zone = CharField(max_length=64, default="UTC")
        admin_name = CharField(max_length=120, default="")
        admin_email = CharField(max_length=254, default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        version = IntegerField(default=1)

    class Asset(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        name = CharField(max_length=200)
        start_date = DateField()
        live = BooleanField(default=True)
        cease_date = DateField(null=True)

        class Meta:
            indexes = ((("customer", "live", "cease_date"), False),)

    class Case(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        subject = CharField(max_length=200)
        status = CharField(max_length=32, default="New")
        closed = BooleanField(default=False)
        opened_at = DateTimeField()

        class Meta:
            indexes = ((("customer", "closed"), False),)

    class Opportunity(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        name = CharField(max_length=200)
        stage = CharField(max_length=32, default="Prospecting")
        amount = DecimalField(max_digits=12, decimal_places=2, default=0)

        class Meta:
            indexes = ((("customer", "stage"), False),)

    class Quotation(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        reference = CharField(max_length=32)
        status = CharField(max_length=32, default="Draft")
        amount = DecimalField(max_digits=12, decimal_places=2, default=0)

        class Meta:
            indexes = ((("customer", "status"), False),)

    class SalesOrder(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        number = CharField(max_length=32)
        status = CharField(max_length=32, default="Pending")
        amount = DecimalField(max_digits=12, decimal_places=2, default=0)

        class Meta:
            indexes = ((("customer", "status"), False),)

    class Expiry(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        date = DateField()
        note = TextField(default="")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            indexes = ((("customer", "date"), False),)

    class Reason(Base):
        name = CharField(max_length=80, unique=True)
        active = BooleanField(default=True)
        position = IntegerField(default=0)

    class Cancellation(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        state = CharField(max_length=16, default="pending")
        previous_status = CharField(max_length=16)
        reason_text = TextField(default="")
        extra_information = TextField(default="")
        mood = CharField(max_length=24, null=True)
        begun_by = ForeignKeyField(User, on_delete="RESTRICT", backref="+")
        begun_at = DateTimeField()
        new_owner = ForeignKeyField(User, null=True, on_delete="RESTRICT", backref="+")
        owner_applied_at = DateTimeField(null=True)
        processed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT", backref="+")
        processed_at = DateTimeField(null=True)
        removed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT", backref="+")
        removed_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("state", "begun_by"), False),)

    Cancellation.add_index(
        Cancellation.index(Cancellation.customer, unique=True, where=SQL("state = 'pending'"))
    )

    class CancellationReason(Base):
        cancellation = ForeignKeyField(Cancellation, on_delete="CASCADE")
        reason = ForeignKeyField(Reason, on_delete="RESTRICT")

        class Meta:
            indexes = ((("cancellation", "reason"), True),)

    class NotifyUser(Base):
        cancellation = ForeignKeyField(Cancellation, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="RESTRICT")

        class Meta:
            indexes = ((("cancellation", "user"), True),)

    class AuditEvent(Base):
        at = DateTimeField()
        actor = ForeignKeyField(User, on_delete="RESTRICT")
        customer = ForeignKeyField(Customer, null=True, on_delete="RESTRICT")
        cancellation = ForeignKeyField(Cancellation, null=True, on_delete="RESTRICT")
        action = CharField(max_length=48)
        record_kind = CharField(max_length=24, default="")
        record_id = IntegerField(null=True)
        before = TextField(default="{}")
        after = TextField(default="{}")

        class Meta:
            indexes = ((("customer", "at"), False), (("cancellation",), False))

    class OutboxMessage(Base):
        customer = ForeignKeyField(Customer, on_delete="RESTRICT")
        cancellation = ForeignKeyField(Cancellation, null=True, on_delete="RESTRICT")
        kind = CharField(max_length=48)
        recipients = TextField()
        subject = CharField(max_length=300)
        body = TextField()
        status = CharField(max_length=16, default="queued")
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)
        attempts = IntegerField(default=0)
        last_error = TextField(default="")

        class Meta:
            indexes = ((("status", "created_at"), False), (("customer",), False))

    db.create_tables(
        [
            User,
            Customer,
            Asset,
            Case,
            Opportunity,
            Quotation,
            SalesOrder,
            Expiry,
            Reason,
            Cancellation,
            CancellationReason,
            NotifyUser,
            AuditEvent,
            OutboxMessage,
        ]
    )

    # The audit trail is append-only, whoever writes to the database.
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION offboard_audit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'The audit trail cannot be changed.'; END; "
            "$$ LANGUAGE plpgsql"
        )
        db.execute_sql(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION offboard_audit_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'The audit trail cannot be changed.'); END"
            )
