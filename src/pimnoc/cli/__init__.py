"""CLI commands beyond run and zoo; each module defines `register(app)`."""
