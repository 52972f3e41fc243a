"""Reports: datasets as plain rows, and renderers that turn them into tables or files."""
