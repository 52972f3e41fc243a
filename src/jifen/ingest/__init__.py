"""The way in: inbound reports and roster files, checked against the rules and stored."""
