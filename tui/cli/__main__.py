"""``python -m tui.cli``: the offboard command, as the console script runs it."""

from tui.cli import main

raise SystemExit(main())
