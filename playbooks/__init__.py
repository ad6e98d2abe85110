"""The shipped playbooks, installed with offboard as data files: ``default.toml`` (the seeds'
procedure, used when the configuration names none) and ``tool-only.toml`` (the Cancellation
Tool alone). data.playbook reads them; nothing here is code."""
