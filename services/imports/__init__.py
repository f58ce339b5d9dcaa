"""Importing contacts from files: reading them, the import's checkpoint, and its report."""
