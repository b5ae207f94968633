"""Lambda entry points. Thin: decorators, parse, call the service, answer."""
