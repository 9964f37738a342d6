"""The ``tracewheel`` command: thin Typer commands over the library functions of each stage."""
