"""offboard's data layer: models, the database, the cancellation rules and the guarded operations.

Nothing here imports Textual; every rule the app shows is enforced here too.
"""
