"""The offboard app: the Textual App, its configuration and the command-line entry point."""
