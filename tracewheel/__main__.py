from tracewheel.cli.main import run

run()
