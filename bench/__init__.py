"""offboard's benchmark: a large, deterministic CRM and the measurements run against it.

Run it with ``python bench/run.py`` (``--help`` for the options).
"""
