"""Rule sets as data: the schema, the condition kinds and the loader."""
