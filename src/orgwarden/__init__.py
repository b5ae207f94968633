"""orgwarden: event-driven governance and compliance for an AWS Organization."""
