"""Reading contacts out of the files people bring: spreadsheets saved as CSV, and address books as vCard."""


class UnreadableFile(ValueError):
    """The file cannot be read as the kind it was given as; the message says why."""
