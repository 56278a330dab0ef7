"""Gazette: an online community's content, planned, checked and published from git."""

__version__ = "0.1.0"
