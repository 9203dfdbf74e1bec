"""Scanners that ship with the package (built-ins are registered by entry point)."""
