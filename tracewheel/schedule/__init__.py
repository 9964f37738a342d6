"""`tracewheel schedule`: flywheel cycles on a cron expression and/or when enough new episodes arrived.

``cron.py`` reads crontab expressions, ``records.py`` is the ``schedule.jsonl`` log, ``service.py`` the service.
"""
