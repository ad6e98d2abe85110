"""A quotation's open state "Accepted" read as won while it counted as open: it is "In review"
now (data.states.QUOTATION_OPEN). The quotations stored under the old name are renamed; every
other status, open or closed, is left as it is."""


def up(migrator, db):
    db.execute_sql("UPDATE \"quotation\" SET status = 'In review' WHERE status = 'Accepted'")


def down(migrator, db):
    db.execute_sql("UPDATE \"quotation\" SET status = 'Accepted' WHERE status = 'In review'")
