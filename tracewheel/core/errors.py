"""The one error type the CLI turns into a one-line message and a non-zero exit."""


class TracewheelError(Exception):
    """A failure a user can act on: bad input, missing data, a refused operation."""
