"""Jifen 积分: education-platform application points."""

__version__ = "0.1.0"
