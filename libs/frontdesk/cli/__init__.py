"""The ``frontdesk`` command line (``python -m frontdesk.cli``)."""
