"""The HTTP resources, one blueprint per kind."""
