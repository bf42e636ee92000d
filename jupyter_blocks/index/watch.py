"""Changes made to the root outside Jupyter (git, a terminal, another editor): a file
watcher that outlives its failures, or a periodic check of the whole root.

The watcher (watchfiles) stops on its first error, and one odd file is enough: a name
that is not valid UTF-8 ends it ("Unable to decode path"). So a failure is never final:
the whole root is checked at once (whatever the lost events held is found), and watching
starts again after a pause that grows with repeated failures, up to the poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable

from watchfiles import Change as WatchChange
from watchfiles import awatch

from ..notebooks.textnotebooks import is_notebook_name
from .tree import TreeRules

HEALTHY_AFTER = 60.0  # seconds of watching after which past failures are forgotten
RECHECK_AFTER = 1.0  # seconds after a restart before the root is checked once more


class TreeWatcher:
    """Calls ``enqueue(path)`` (root-relative, "" for the whole root) for every change."""

    def __init__(
        self,
        rules: TreeRules,
        enqueue: Callable[[str], None],
        stop: asyncio.Event,
        *,
        watch: bool,
        poll_interval: float,
        log: logging.Logger,
    ) -> None:
        self.rules = rules
        self.enqueue = enqueue
        self.stop = stop
        self.watch = watch
        self.poll_interval = poll_interval
        self.log = log

    async def run(self) -> None:
        if not self.watch:
            await self._poll()
            return
        failures = 0
        while not self.stop.is_set():
            started = time.monotonic()
            if failures:
                # What changed while no watcher ran is found by one more full check,
                # once the new watcher is surely in place.
                asyncio.get_running_loop().call_later(RECHECK_AFTER, self.enqueue, "")
            try:
                await self._watch()
                return  # stopped
            except Exception as error:
                if time.monotonic() - started > HEALTHY_AFTER:
                    failures = 0
                failures += 1
                pause = min(self.poll_interval, 2.0**failures)
                self.log.warning(
                    "jupyter-blocks: watching %s for changes failed (%s); checking the whole "
                    "folder now and watching again in %.0f s",
                    self.rules.root,
                    error,
                    pause,
                )
                self.enqueue("")
                await self._sleep(pause)

    async def _watch(self) -> None:
        async for changes in awatch(
            self.rules.root,
            watch_filter=self._filter,
            stop_event=self.stop,
            debounce=200,
            step=50,
            recursive=True,
            ignore_permission_denied=True,
        ):
            for _, os_path in changes:
                self.enqueue(self.relative(os_path))

    async def _poll(self) -> None:
        while not self.stop.is_set():
            await self._sleep(self.poll_interval)
            if not self.stop.is_set():
                self.enqueue("")

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)

    def relative(self, os_path: str) -> str:
        return os.path.relpath(os_path, self.rules.root).replace(os.sep, "/")

    def _filter(self, change: WatchChange, os_path: str) -> bool:
        try:
            rel = self.relative(os_path)
            if any(self.rules.hides(part) for part in rel.split("/")):
                return False
            # Notebooks, and folders (a folder moved or deleted carries its notebooks).
            return is_notebook_name(os_path) or not os.path.isfile(os_path)
        except Exception:  # an odd path is the indexer's to judge, never the watcher's end
            return True
