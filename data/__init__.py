"""offboard's data layer: models, the database, the cancellation rules and the guarded operations.

Nothing here imports Textual; every rule the app shows is enforced here too.
"""

from data.driver import import_peewee

# First, before any module here imports peewee: see data.driver.
import_peewee()
