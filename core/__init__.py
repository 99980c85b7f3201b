"""What every app shares and nothing app-specific: domain error types, roles and page
permissions, API base classes, pagination, localisation, the language middleware, CSV writing and
the logging filter. ``core`` imports no app of the project (see ``docs/architecture.md``)."""
