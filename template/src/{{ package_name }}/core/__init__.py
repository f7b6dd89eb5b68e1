"""Cross-cutting concerns: settings, logging, database."""
