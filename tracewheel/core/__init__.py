"""The bottom layer every stage may use: errors, paths under ``TRACEWHEEL_HOME``, verifiers and their sandbox."""
