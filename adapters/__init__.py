"""Adapters: one module or package per technology, each implementing the application's ports."""
