"""The pure domain: periods, organisations, operations and scores. Imports no I/O."""
