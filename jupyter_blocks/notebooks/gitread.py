"""Reading git history (which notebook was committed first, which was renamed) so that
no setting of the repository, of the user or of the machine can make git run a program.

The notebooks' folder may be another person's repository (a team's shared volume, a
clone): its ``.git/config`` can name programs that git runs while it only *reads*
(``gpg.program`` with ``log.showSignature``, ``core.fsmonitor``, ``core.pager``,
``diff.external``, textconv and filter drivers, a promisor remote fetched lazily through
``core.sshCommand``...). The rule (docs/design.md, "Programs jupyter-blocks runs"):

- **Which program**: ``git``, found on the server's ``PATH`` in absolute folders only
  (an empty or relative entry would find a ``git`` in the notebooks' folder).
- **Which environment**: a new one, not the server's: ``PATH``, ``LC_ALL=C`` and the
  variables below. No ``GIT_*`` variable of the server's environment (``GIT_DIR``,
  ``GIT_EXTERNAL_DIFF``, ``GIT_CONFIG_PARAMETERS``, ``GIT_SSH_COMMAND``...) reaches git.
- **Which configuration**: neither the system's nor the user's files
  (``GIT_CONFIG_NOSYSTEM``, ``GIT_CONFIG_GLOBAL=/dev/null``), and over the repository's
  own, ``-c`` settings that turn off every way of running a program; the commands are
  read-only plumbing where plumbing exists (``diff-index`` rather than ``diff``), with
  ``--no-ext-diff --no-textconv --no-show-signature``; no transport is allowed
  (``GIT_ALLOW_PROTOCOL`` names none), so a partial clone never fetches what it lacks
  and no remote helper starts. A repository owned by
  another user is then refused by git itself ("dubious ownership"): that is no evidence.
- **Bounded**: each command has a time limit and its output a size limit; a failure of
  any kind is "no evidence" (None), never an error.
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import time

TIMEOUT = 5.0  # seconds for one git command
MAX_OUTPUT = 8 * 2**20  # bytes of output read from one git command

# Over the repository's own configuration (command-line settings win over every file).
SAFE_SETTINGS = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.sshCommand=false",
    "core.askPass=",
    "core.alternateRefsCommand=",
    "core.untrackedCache=false",
    "core.quotepath=off",
    "credential.helper=",
    "protocol.allow=never",
    "log.showSignature=false",
    "gpg.program=false",
    "gpg.openpgp.program=false",
    "gpg.x509.program=false",
    "gpg.ssh.program=false",
    "log.follow=false",
    "diff.renames=true",
    "i18n.logOutputEncoding=UTF-8",
    "gc.auto=0",
    "maintenance.auto=false",
)
# The environment git runs in (nothing of the server's, but PATH).
SAFE_ENVIRONMENT = {
    "LC_ALL": "C",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_SYSTEM": os.devnull,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_PROTOCOL_FROM_USER": "0",
    # Only a transport of this (nonexistent) name is allowed, whatever the repository's
    # protocol.<name>.allow says: no fetch, no remote helper, ever.
    "GIT_ALLOW_PROTOCOL": "none",
}
# Options that keep a reading command from running a diff driver or a signature check.
NO_PROGRAMS = ("--no-ext-diff", "--no-textconv")


def safe_path() -> str:
    """The server's PATH with only its absolute folders (in order)."""
    entries = os.environ.get("PATH", os.defpath).split(os.pathsep)
    return os.pathsep.join(e for e in entries if e and os.path.isabs(e))


def git_executable() -> str | None:
    """The ``git`` program on the server's PATH (absolute folders only), or None."""
    return shutil.which("git", path=safe_path())


def environment() -> dict[str, str]:
    """The whole environment a git command gets."""
    home = os.path.join(os.path.realpath(os.devnull), "nonexistent")
    return {"PATH": safe_path(), "HOME": home, **SAFE_ENVIRONMENT}


def command(*args: str) -> list[str] | None:
    """The full command line for ``git args...``, or None without git."""
    git = git_executable()
    if git is None:
        return None
    settings = [part for setting in SAFE_SETTINGS for part in ("-c", setting)]
    return [git, "--no-pager", "--no-replace-objects", *settings, *args]


def run(cwd: str, *args: str, timeout: float = TIMEOUT) -> str | None:
    """The output of ``git args...`` in ``cwd`` (UTF-8, odd bytes escaped), or None when
    git is missing, fails, takes longer than ``timeout`` seconds or prints more than
    MAX_OUTPUT bytes (it is stopped then)."""
    line = command(*args)
    if line is None:
        return None
    try:
        process = subprocess.Popen(  # noqa: S603 - git, under the rule above
            line,
            cwd=cwd,
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    with process:
        output = _read_bounded(process, time.monotonic() + timeout)
        if output is None:
            process.kill()
        try:
            code = process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            process.kill()
            return None
    if output is None or code != 0:
        return None
    return output.decode("utf-8", "surrogateescape")


def _read_bounded(process: subprocess.Popen[bytes], deadline: float) -> bytes | None:
    """Everything the process prints before it ends, or None past the deadline or the
    size limit."""
    assert process.stdout is not None
    chunks: list[bytes] = []
    size = 0
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return None
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_OUTPUT:
                return None
            chunks.append(chunk)
