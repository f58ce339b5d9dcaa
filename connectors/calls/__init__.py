"""Telephone lines: providers' call callbacks, checked and read into call events."""
