"""The ``evidence`` command line."""
