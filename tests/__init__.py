"""orgwarden's tests.

Set before any test module imports the service, as template.yaml sets it for the functions:
Powertools reads the metrics namespace when a module creates its `Metrics`, and flushes on its
own once 100 values pile up, which needs a namespace. Tests that call the evaluator without the
handler (which flushes after every invocation) pile up values across tests.
"""

import os

os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Orgwarden")
