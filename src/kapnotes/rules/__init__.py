"""Safety and documentation rules: from a session (and its course) to findings."""
