"""gunicorn settings of the platform (gunicorn reads ./gunicorn.conf.py by itself; else -c).

It turns on Prometheus multiprocess mode, so a scrape of any worker answers the sum of all
of them: PROMETHEUS_MULTIPROC_DIR is set, made and emptied here, before the app (and
prometheus-client) is loaded, even with --preload; a dead worker's live gauges are dropped,
and a directory made here is removed when the server stops. gunicorn's own lines (its error
log and, with --access-logfile, its access log) are written in the platform's format,
scrubbed of secrets (backend/gunicorn_logging.py). The scheduler needs nothing here: with
--preload it moves from the master to each worker at fork (backend/scheduler.py).
"""
import atexit
import os
import shutil
import sys
import tempfile

from dotenv import load_dotenv

load_dotenv()  # LOG_FORMAT and friends, as backend/wsgi.py reads them for the app
# Remembered in the environment, which outlives a reload (HUP re-reads this file).
MADE_HERE = "PLATFORM_METRICS_DIR_MADE_BY_GUNICORN_CONF"
PREPARED = "PLATFORM_METRICS_DIR_PREPARED_BY_GUNICORN_CONF"
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ[MADE_HERE] = tempfile.mkdtemp(
        prefix="platform-metrics-")


def _prepare_metrics_dir(path):
    """Make the directory and empty it (samples of an earlier run would be added to this
    one's). Here, when the file is first read, rather than in on_starting: with --preload the
    app is loaded before on_starting runs, and it writes its first samples then (into a
    directory that must exist, and that must not be emptied under it afterwards)."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        target = os.path.join(path, name)
        if os.path.isdir(target):
            shutil.rmtree(target)
        else:
            os.remove(target)


# Once per server: a reload (HUP) reads this file again while workers write their samples.
if os.environ.get(PREPARED) != os.environ["PROMETHEUS_MULTIPROC_DIR"]:
    _prepare_metrics_dir(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    os.environ[PREPARED] = os.environ["PROMETHEUS_MULTIPROC_DIR"]

# Video uploads take a while; calls to Meta are bounded by their own timeouts.
timeout = 120
logger_class = "backend.gunicorn_logging.PlatformLogger"


def on_starting(server):
    # Bad settings stop the server here, in one line, before any worker boots (two workers
    # refusing together made gunicorn print a traceback of its own).
    from backend.startup_check import APP_LOAD_ERROR, settings_problem
    problem = settings_problem()
    if problem is not None:
        server.log.critical("not starting: %s", problem)
        on_exit(server)
        sys.exit(APP_LOAD_ERROR)
    server.log.info("Prometheus multiprocess directory: %s",
                    os.environ["PROMETHEUS_MULTIPROC_DIR"])


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    _remove_metrics_dir()


def _remove_metrics_dir():
    # A directory made here goes with the server; one the operator set is theirs to keep.
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path and os.environ.get(MADE_HERE) == path:
        shutil.rmtree(path, ignore_errors=True)


def _at_exit(process=os.getpid()):
    # With --preload the app, and its refusal of bad settings (backend/wsgi.py), comes
    # before gunicorn runs any hook: the directory goes when this process exits. Only this
    # one: a worker, forked from it, exits through the same atexit handlers.
    if os.getpid() == process:
        _remove_metrics_dir()


atexit.register(_at_exit)
