"""The jifen command: thin, calling the same services as the web."""
