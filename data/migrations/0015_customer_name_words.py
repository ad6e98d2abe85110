"""Customer name words (issue 14): for each customer, its name from each of its words on,
case-folded, with the customer's name key, so a search finds a word inside a name ("health"
finds Pinecrest Home Health) through an index, in the list's order, on SQLite and PostgreSQL
alike. Backfilled from the names already there."""

import re

from peewee import CharField, ForeignKeyField, Model

WORD = re.compile(r"\w+")


def _words(name):
    # The same as data.customer_search.name_words, frozen here.
    key = " ".join(name.split()).casefold()
    starts = {0} if key else set()
    starts.update(match.start() for match in WORD.finditer(key))
    return sorted({key[start:][:200] for start in starts})


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Customer(Base):
        name = CharField(max_length=200)

    class CustomerWord(Base):
        customer = ForeignKeyField(Customer, on_delete="CASCADE", index=False)
        words = CharField(max_length=200)
        name_key = CharField(max_length=200)

        class Meta:
            table_name = "customer_word"
            indexes = (
                (("words", "name_key", "customer"), False),
                (("customer", "words"), False),
            )

    db.create_tables([CustomerWord], safe=True)
    last = 0
    while True:
        rows = db.execute_sql(
            f'SELECT id, name, name_key FROM "customer" WHERE id > {db.param} ORDER BY id '
            "LIMIT 5000",
            (last,),
        ).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        words = [(pk, text, key) for pk, name, key in rows for text in _words(name)]
        fields = [CustomerWord.customer, CustomerWord.words, CustomerWord.name_key]
        for start in range(0, len(words), 500):
            CustomerWord.insert_many(words[start : start + 500], fields=fields).execute()
