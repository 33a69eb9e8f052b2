"""A sandbox that remembers: its state saved to a JSON file on change and at shutdown.

Only a sandbox given a state file keeps anything (start_platform.py passes one in the
instance folder); tests and `start_sandbox()` stay in memory. The file holds sandbox tokens,
so it is written with mode 0600, and atomically (a temporary file renamed over the old one),
so a crash leaves the previous snapshot rather than half of a new one.
"""
import dataclasses
import json
import logging
import os
import tempfile
import threading

log = logging.getLogger(__name__)

FORMAT = 1
AUTOSAVE_SECONDS = 1.0


class SnapshotError(ValueError):
    """A state file this sandbox cannot read (damaged, or written by another format)."""


def record(obj, skip=()):
    """A dataclass's own fields as a dict (nested values copied as they are, not converted)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in skip}


def build(cls, data, **extra):
    """`cls(**data)`, ignoring keys the dataclass no longer has (an older snapshot's)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names}, **extra)


class StateFile:
    """One JSON snapshot on disk."""

    def __init__(self, path):
        self.path = os.path.abspath(path)

    def load(self):
        """The saved snapshot, or None when there is no file yet."""
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise SnapshotError(f"{self.path} is not a readable JSON file ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SnapshotError(f"{self.path} is not a sandbox state of format {FORMAT}")
        return data

    def write(self, text):
        folder = os.path.dirname(self.path)
        os.makedirs(folder, exist_ok=True)
        # mkstemp creates the file with mode 0600: the tokens inside are never readable by
        # other users, not even for the moment before the rename.
        fd, temporary = tempfile.mkstemp(prefix=".sandbox_state.", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def set_aside(self):
        """Rename an unreadable file out of the way (kept for a look), returning its new name."""
        aside = self.path + ".unreadable"
        os.replace(self.path, aside)
        return aside


class Autosaver:
    """Writes the state when requests may have changed it (checked every AUTOSAVE_SECONDS)
    and once more at shutdown. An unchanged snapshot is not written again."""

    def __init__(self, state, state_file, interval=AUTOSAVE_SECONDS):
        self.state, self.file, self.interval = state, state_file, interval
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._last = None
        self._write_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="sandbox-state-autosave",
                                        daemon=True)

    def start(self):
        self._thread.start()

    def mark_dirty(self, *_args):
        self._dirty.set()

    def save(self):
        """Write the snapshot now if it differs from the last one written."""
        with self._write_lock:
            self._dirty.clear()
            with self.state.lock:
                text = json.dumps(self.state.snapshot(), separators=(",", ":"))
            if text != self._last:
                self.file.write(text)
                self._last = text

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.save()

    def _run(self):
        while not self._stop.wait(self.interval):
            if self._dirty.is_set():
                try:
                    self.save()
                except OSError:
                    log.exception("sandbox state not saved to %s", self.file.path)


def open_state(state, path, reset=False):
    """Load the state saved at `path` into `state` (unless `reset`), and return its Autosaver.

    An unreadable file is renamed to `<path>.unreadable` and the sandbox starts clean,
    saying so: a newcomer's start never fails on a damaged snapshot.
    """
    state_file = StateFile(path)
    data = None
    if not reset:
        try:
            data = state_file.load()
        except SnapshotError as exc:
            aside = state_file.set_aside()
            log.warning("sandbox: %s; starting clean (the old file is kept as %s)", exc, aside)
    if data is not None:
        try:
            state.restore(data)
        except Exception as exc:  # whatever the file holds, the sandbox starts
            aside = state_file.set_aside()
            state.reset()
            log.warning("sandbox: the state in %s could not be restored (%s: %s); starting "
                        "clean (the old file is kept as %s)", path, type(exc).__name__, exc,
                        aside)
    saver = Autosaver(state, state_file)
    saver.save()  # a reset takes effect on disk at once, even if the process is killed
    return saver
