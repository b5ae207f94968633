"""The pipeline: one message in; trust, route, read, evaluate, decide, act, verify, record and
publish; the sweep is the same pipeline over a task. Imports policies, aws and model; never the
auditor's wing or the harness. Kept empty so that importing a handler stays cheap."""
