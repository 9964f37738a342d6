"""``tracewheel report``: one self-contained HTML page of a tenant's flywheel (docs/15-report.md).

``gather.py`` reads what the stages recorded (cycles, eval runs, dataset versions, canary decisions),
``charts.py`` draws it with matplotlib as inline SVG, ``page.py`` renders the page and writes it.
"""
