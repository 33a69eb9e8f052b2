"""gunicorn settings of the platform (gunicorn reads ./gunicorn.conf.py by itself; else -c).

It turns on Prometheus multiprocess mode, so a scrape of any worker answers the sum of all
of them: PROMETHEUS_MULTIPROC_DIR is set here, before the app (and prometheus-client) is
loaded, even with --preload; it is emptied when the server starts, and a dead worker's live
gauges are dropped. The scheduler needs nothing here: with --preload it moves from the
master to each worker at fork (backend/scheduler.py).
"""
import os
import shutil
import tempfile

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="platform-metrics-")

# Video uploads take a while; calls to Meta are bounded by their own timeouts.
timeout = 120


def on_starting(server):
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(path, exist_ok=True)
    # Samples of an earlier run would be added to this one's.
    for name in os.listdir(path):
        target = os.path.join(path, name)
        if os.path.isdir(target):
            shutil.rmtree(target)
        else:
            os.remove(target)
    server.log.info("Prometheus multiprocess directory: %s", path)


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
