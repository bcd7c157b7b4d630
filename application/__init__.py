"""Use cases around the domain: ports, command handlers, unit of work, message bus.

Imports the domain and the standard library only; adapters plug into the ports.
"""
