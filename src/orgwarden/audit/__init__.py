"""The auditor's wing: the `orgwarden` command line, the evidence queries and episodes, the
compliance report and the in-process scan. It reads what the service recorded; the service never
imports it."""
