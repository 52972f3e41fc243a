"""Who may do what: app tokens for reporting, user tokens and scopes for reading reports."""
