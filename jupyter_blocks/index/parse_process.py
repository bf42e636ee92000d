"""Notebooks parsed in a child process during a bulk load (a cold scan, a big checkout).

Parsing is most of a scan's Python, and in the server's process it holds the GIL that the
writer and the requests need: in a child it runs on a core of its own. The child is this
module, run by the server's own interpreter (``sys.executable``) from a folder outside the
notebooks, with the current folder taken off its import path before anything is imported:
no file of the tree can run in it. It reads requests from its stdin and answers each, in
order, on its stdout; both are pipes of the parent's, as pickles framed by their length.

If the child cannot start, or dies, or answers nonsense, the batches are read in the
parent instead, on the parser thread it is given (never on the event loop), and that is
logged once: a scan never fails because of the child. Nothing here waits on the child
from the caller's thread: it is ended and reaped by a thread of its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Executor, Future
from typing import IO, Any

from ..store import FileState
from .reading import Batch, Prepare, read_batch
from .tree import TreeRules

# Each message: a mark (bytes written to stdout by anything else are not taken for a
# message) and the length of the pickle that follows.
FRAME = struct.Struct("!4sQ")
MARK = b"JBPP"
MAX_MESSAGE = 1 << 34  # bytes
CLOSE_WAIT = 5.0  # seconds the child has to exit once its input is closed or it is killed
BOOTSTRAP = (
    # The current folder ("" on the path of ``-c``): never an import path of the child.
    "import sys; sys.path[:] = [p for p in sys.path if p != '']; "
    "from jupyter_blocks.index.parse_process import main; main()"
)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class ParseProcess:
    """Batches read and parsed by one child process, in the order they are submitted.

    ``submit(files, scan)`` returns a Future of the Batch (``Indexer.read``'s), with
    ``prepare`` (the store's work that needs no database: PostgreSQL's word vectors)
    applied to each notebook; without a child, the batch is read on ``fallback``.
    ``close()`` ends the child, cancelling the batches still waiting."""

    def __init__(
        self,
        rules: TreeRules,
        max_size: int,
        fallback: Executor,
        prepare: Prepare | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        self.rules, self.max_size, self.prepare = rules, max_size, prepare
        self.fallback = fallback
        self.log = log or logging.getLogger(__name__)
        self._waiting: deque[tuple[Future[Batch], list[tuple[str, FileState]], int]] = deque()
        self._lock = threading.Lock()
        self._said = False  # the fallback is said in the log once
        self._ended = False  # nothing more goes to the child
        self._closing = False
        self._child: subprocess.Popen[bytes] | None = None
        self._receiver: threading.Thread | None = None
        self.reaper: threading.Thread | None = None
        try:
            package_parent = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
            # The interpreter's own flags (-I, -E, -s...): the child imports as it did.
            flags = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]
            self._child = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                [sys.executable, *flags, "-c", BOOTSTRAP],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=package_parent,
            )
            # The child runs elsewhere: the root as an absolute path.
            absolute = dataclasses.replace(rules, root=os.path.abspath(rules.root))
            _send(self._child.stdin, (absolute, max_size, prepare))
        except Exception as error:  # no child: the parent reads
            self._ended = True
            self._say(f"could not start ({error})")
            if self._child is not None:
                self._child.kill()
                self._reap(self._child)
            return
        self._receiver = threading.Thread(
            target=self._receive, name="jupyter-blocks-parse-process", daemon=True
        )
        self._receiver.start()

    def submit(self, files: list[tuple[str, FileState]], scan: int) -> Future[Batch]:
        future: Future[Batch] = Future()
        with self._lock:
            child = None if self._ended else self._child
            if child is not None:
                self._waiting.append((future, files, scan))
        if child is None:
            return self._read_elsewhere(files, scan)
        try:
            _send(child.stdin, (files, scan))
        except Exception as error:
            self._say(f"stopped taking requests ({error})")
            child.kill()
            with self._lock:  # unless the receiver has taken it, to read it itself
                mine = [item for item in self._waiting if item[0] is future]
                for item in mine:
                    self._waiting.remove(item)
            if mine:
                return self._read_elsewhere(files, scan)
        return future

    def close(self) -> None:
        """End the child (its input closed; killed when batches were still waiting) and
        reap it on a thread of its own (``reaper``): the caller never waits for it."""
        child = self._child
        if child is None:
            return
        with self._lock:
            self._ended = self._closing = True
            abandoned = list(self._waiting)
            self._waiting.clear()
        for future, _files, _scan in abandoned:
            future.cancel()
        if abandoned:
            child.kill()
        with contextlib.suppress(OSError):
            if child.stdin is not None:
                child.stdin.close()
        self.reaper = threading.Thread(
            target=self._reap, args=(child,), name="jupyter-blocks-parse-reaper", daemon=True
        )
        self.reaper.start()

    def __enter__(self) -> ParseProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reap(self, child: subprocess.Popen[bytes]) -> None:
        try:
            child.wait(timeout=CLOSE_WAIT)
        except subprocess.TimeoutExpired:
            child.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=CLOSE_WAIT)
        if self._receiver is not None:
            self._receiver.join(timeout=CLOSE_WAIT)
        with contextlib.suppress(OSError):
            if child.stdout is not None:
                child.stdout.close()

    def _receive(self) -> None:
        """Deliver the child's answers in order; when it fails, read what is left (here,
        on this thread, not the caller's)."""
        child = self._child
        assert child is not None and child.stdout is not None
        try:
            while True:
                answer = _receive(child.stdout)
                if answer is None:
                    break
                if not isinstance(answer, Batch):
                    raise TypeError(f"it answered {type(answer).__name__}")
                with self._lock:
                    if not self._waiting:  # answers to batches a close cancelled
                        continue
                    future, _files, _scan = self._waiting.popleft()
                _resolve(future, answer)
        except Exception as error:
            if not self._closing:
                self._say(f"failed ({type(error).__name__}: {error})")
            child.kill()
        with self._lock:  # from now on, submit reads elsewhere
            self._ended = True
            left = list(self._waiting)
            self._waiting.clear()
        if left:
            self._say("ended before it answered")
        for future, files, scan in left:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(self._read_here(files, scan))
                except Exception as error:  # read_batch never raises; a bug, said
                    future.set_exception(error)

    def _say(self, what: str) -> None:
        with self._lock:
            said, self._said = self._said, True
        if not said:
            self.log.warning(
                "jupyter-blocks: the parsing process %s; notebooks are read in the server", what
            )

    def _read_elsewhere(self, files: list[tuple[str, FileState]], scan: int) -> Future[Batch]:
        return self.fallback.submit(self._read_here, files, scan)

    def _read_here(self, files: list[tuple[str, FileState]], scan: int) -> Batch:
        return read_batch(self.rules, self.max_size, files, scan, self.prepare, self.log)


def _resolve(future: Future[Batch], batch: Batch) -> None:
    """Give a batch to whoever waits for it (nobody, when it was cancelled)."""
    if future.set_running_or_notify_cancel():
        future.set_result(batch)


def _send(stream: IO[bytes] | None, message: Any) -> None:
    if stream is None:
        raise OSError("no pipe")
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(FRAME.pack(MARK, len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or None at the end of the stream."""
    head = _exactly(stream, FRAME.size)
    if head is None:
        return None
    mark, size = FRAME.unpack(head)
    if mark != MARK or size > MAX_MESSAGE:
        raise ValueError("not a message of ours")
    body = _exactly(stream, size)
    if body is None:
        raise EOFError("the stream ended inside a message")
    # The child is ours (this module, run by the server's interpreter); what it reads of
    # a notebook arrives as plain records.
    return pickle.loads(body)  # noqa: S301


def _exactly(stream: IO[bytes], size: int) -> bytes | None:
    chunks = []
    left = size
    while left:
        chunk = stream.read(left)
        if not chunk:
            if left == size:
                return None
            raise EOFError("the stream ended inside a message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def main() -> None:
    """The child: its settings first, then batches until its input ends."""
    source = sys.stdin.buffer
    # The answers go on a copy of stdout; what else the child prints goes to stderr.
    sink = os.fdopen(os.dup(1), "wb")
    try:
        os.dup2(2, 1)
    except OSError:  # no stderr (a daemon): what else is printed goes nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    sys.stdout = sys.stderr
    settings = _receive(source)
    if settings is None:
        return
    rules, max_size, prepare = settings
    log = logging.getLogger("jupyter_blocks.index")
    while True:
        request = _receive(source)
        if request is None:
            return
        files, scan = request
        _send(sink, read_batch(rules, max_size, files, scan, prepare, log))
