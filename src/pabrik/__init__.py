"""pabrik: open-source smart-factory software for Indonesian manufacturers."""

__version__ = "0.1.0"
