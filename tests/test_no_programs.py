"""No setting of a repository, of the user or of the machine runs a program (issue 28).

The notebooks' folder may be another person's git repository. jupyter-blocks reads its
history (which of two notebooks was committed first; what ``git mv`` renamed) with
``git``, and nothing its configuration names may run: every test here fills a
repository's ``.git/config`` (or the user's ``~/.gitconfig``, or the environment) with
every way git has of running a program while it reads, a script that records each run,
and checks that the script never ran while the evidence git gives is still read.
"""

from __future__ import annotations

import ast
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_check
from ondisk import code, md, write
from test_renames import fix

import jupyter_blocks
from jupyter_blocks.notebooks import gitread

GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(GIT is None, reason="git is not installed here")
IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str, when: int | None = None) -> str:
    env = {**os.environ, **IDENTITY}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{when} +0000"
    done = subprocess.run(
        [GIT or "git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


class Marker:
    """A program that records each time it runs (and fails, as a hostile one may)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / "ran.log"
        self.program = folder / "evil.sh"
        self.program.write_text(f'#!/bin/sh\necho "$0 $*" >> {self.log}\nexit 1\n')
        self.program.chmod(self.program.stat().st_mode | stat.S_IEXEC)

    def runs(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def hostile_settings(evil: Path, extra: Path) -> list[tuple[str, str]]:
    """Every setting of git's that names a program it may run while reading."""
    program = str(evil)
    return [
        ("log.showSignature", "true"),
        ("gpg.program", program),
        ("gpg.openpgp.program", program),
        ("gpg.ssh.program", program),
        ("gpg.x509.program", program),
        ("core.fsmonitor", program),
        ("core.pager", program),
        ("pager.log", program),
        ("pager.diff", program),
        ("diff.external", program),
        ("diff.evil.textconv", program),
        ("diff.evil.command", program),
        ("filter.evil.clean", program),
        ("filter.evil.smudge", program),
        ("filter.evil.process", program),
        ("core.sshCommand", program),
        ("core.askPass", program),
        ("credential.helper", f"!{program}"),
        ("include.path", str(extra)),
    ]


def make_hostile(repo: Path, marker: Marker) -> None:
    """Sign every commit (a gpgsig header: git log verifies it when asked) and fill the
    repository's configuration and attributes with programs."""
    extra = repo.parent / "included.gitconfig"
    extra.write_text(f"[log]\n\tshowSignature = true\n[gpg]\n\tprogram = {marker.program}\n")
    for key, value in hostile_settings(marker.program, extra):
        git(repo, "config", "--add", key, value)
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text("* diff=evil filter=evil\n")
    resign(repo)


def resign(repo: Path) -> None:
    """Rewrite the history so that every commit carries a (bogus) signature."""
    commits = git(repo, "rev-list", "--reverse", "HEAD").split()
    parents: dict[str, str] = {}
    for old in commits:
        body = git(repo, "cat-file", "commit", old)
        head, _, message = body.partition("\n\n")
        lines = [line for line in head.split("\n") if not line.startswith("parent ")]
        old_parents = [ln.split()[1] for ln in head.split("\n") if ln.startswith("parent ")]
        new_parents = [f"parent {parents[p]}" for p in old_parents]
        signature = "gpgsig -----BEGIN PGP SIGNATURE-----\n abc\n -----END PGP SIGNATURE-----"
        rebuilt = "\n".join([lines[0], *new_parents, *lines[1:], signature]) + "\n\n" + message
        done = subprocess.run(
            [GIT or "git", "hash-object", "-t", "commit", "-w", "--stdin"],
            cwd=repo,
            input=rebuilt,
            capture_output=True,
            text=True,
            check=True,
        )
        parents[old] = done.stdout.strip()
    git(repo, "update-ref", "HEAD", parents[commits[-1]])


def same_mtime(root: Path) -> None:
    for path in root.rglob("*.ipynb"):
        os.utime(path, ns=(1_700_000_000 * 10**9,) * 2)


@pytest.fixture
def marker(tmp_path: Path) -> Marker:
    return Marker(tmp_path / "marker")


@pytest.fixture
def hostile_history(jp_root_dir: Path, marker: Marker) -> Path:
    """A repository of another person, holding a notebook and a later copy of it with
    no copy's name (so the copy judge asks git which was committed first), signed and
    configured to run a program."""
    repo = jp_root_dir / "shared"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo / "zeta.ipynb", [md("intro-a", "# Analysis"), code("shared-block", "x = 1")])
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first", when=1_600_000_000)
    shutil.copy(repo / "zeta.ipynb", repo / "alpha.ipynb")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "second", when=1_600_100_000)
    make_hostile(repo, marker)
    same_mtime(jp_root_dir)
    assert_the_attack_works(repo, marker)
    return jp_root_dir


def assert_the_attack_works(repo: Path, marker: Marker, *args: str) -> None:
    """The repository really runs the program for a plain ``git log`` (so a test that
    sees no run proves something)."""
    subprocess.run(
        [GIT or "git", "log", "--format=%ct", *args],
        cwd=repo,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert marker.runs(), "the hostile repository does not run its program: the test is void"
    marker.log.unlink()


async def test_the_copy_judge_reads_git_history_without_running_its_programs(
    hostile_history, marker, blocks
):
    # Given a hostile repository whose notebooks share ids, scanned by the server
    status = await blocks.ready()
    # Then git history still decides which notebook is the original
    [duplicate] = status["duplicates"]
    assert duplicate["path"] == "shared/alpha.ipynb"
    assert duplicate["reason"].startswith("git history: shared/zeta.ipynb was committed")
    # And not one of the repository's programs ran
    assert marker.runs() == []


@pytest.fixture
def hostile_rename(tmp_path: Path, marker: Marker) -> Path:
    """A repository where a notebook was renamed with ``git mv`` (staged) after an
    earlier committed rename, and links still name the old paths."""
    root = tmp_path / "repo"
    write(root / "notes" / "first.ipynb", [md("t1", "# Target")])
    write(root / "later.ipynb", [md("t2", "# Other")])
    write(
        root / "index.ipynb",
        [md("l1", "See [[notes/first.ipynb]] and [[later.ipynb]].")],
    )
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "start")
    git(root, "mv", "notes/first.ipynb", "notes/second.ipynb")
    git(root, "commit", "-qm", "renamed")
    git(root, "mv", "later.ipynb", "moved.ipynb")
    make_hostile(root, marker)
    assert_the_attack_works(root, marker)
    return root


def test_check_and_its_fix_read_renames_without_running_programs(hostile_rename, marker, tmp_path):
    home = tmp_path / "home"
    # When `jupyter blocks check` looks for where stale links went
    returncode, report, text = run_check(hostile_rename, home)
    # Then both renames (committed and staged) are found
    found = {(n["target"], n.get("new_target")) for n in report["notebook_links"]}
    assert found == {
        ("notes/first.ipynb", "notes/second.ipynb"),
        ("later.ipynb", "moved.ipynb"),
    }
    assert returncode == 1 and "git records the rename" in text
    # And --fix --write rewrites them
    wrote = fix(hostile_rename, home, "--write")
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    # And no program of the repository ran
    assert marker.runs() == []


def test_the_users_own_git_configuration_and_environment_run_nothing(
    hostile_rename, marker, tmp_path
):
    # Given a user whose ~/.gitconfig and environment name programs too
    home = tmp_path / "user-home"
    home.mkdir()
    with open(home / ".gitconfig", "w") as f:
        f.write(f"[log]\n\tshowSignature = true\n[gpg]\n\tprogram = {marker.program}\n")
        f.write(f"[core]\n\tfsmonitor = {marker.program}\n\tpager = {marker.program}\n")
    hostile_env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home),
        "GIT_EXTERNAL_DIFF": str(marker.program),
        "GIT_PAGER": str(marker.program),
        "GIT_SSH_COMMAND": str(marker.program),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.fsmonitor",
        "GIT_CONFIG_VALUE_0": str(marker.program),
        "GIT_CONFIG_PARAMETERS": f"'log.showsignature=true' 'gpg.program={marker.program}'",
    }
    saved = {k: os.environ.get(k) for k in hostile_env}
    os.environ.update(hostile_env)
    try:
        renames = _git_renames(hostile_rename)
        added = gitread.run(str(hostile_rename), "log", "--no-show-signature", "--format=%ct")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    # Then git still answers
    assert renames["later.ipynb"] == "moved.ipynb" and added
    # And nothing ran
    assert marker.runs() == []


def _git_renames(root: Path) -> dict[str, str]:
    from jupyter_blocks.cli.stale import git_renames

    return git_renames(str(root))


def test_a_partial_clone_never_fetches_what_it_lacks(tmp_path, marker):
    """Rename detection reads old versions of files; a partial clone lacks them and
    would fetch them from its remote, through a program the repository names."""
    origin = tmp_path / "origin"
    write(origin / "a.ipynb", [md("t1", "# Target\n" + "line\n" * 40)])
    write(origin / "index.ipynb", [md("l1", "See [[a.ipynb]].")])
    git(origin, "init", "-q")
    git(origin, "config", "uploadpack.allowFilter", "true")
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "one")
    git(origin, "mv", "a.ipynb", "b.ipynb")
    write(origin / "b.ipynb", [md("t1", "# Target, changed\n" + "line\n" * 40)])
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "renamed and changed")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", f"file://{origin}", str(clone))
    # The old version of a.ipynb is not in the clone: reading it means fetching
    git(clone, "remote", "set-url", "origin", "ssh://example.invalid/repo.git")
    git(clone, "config", "core.sshCommand", str(marker.program))
    git(clone, "config", "protocol.ssh.allow", "always")
    assert_the_attack_works(clone, marker, "-M", "--name-status")
    renames = _git_renames(clone)
    assert marker.runs() == []
    # Without the old content the rename cannot be told: no evidence, and no error
    assert renames.get("a.ipynb") in (None, "b.ipynb")


STARTERS = {
    ("os", "system"),
    ("os", "popen"),
    ("os", "fork"),
    ("os", "forkpty"),
    ("asyncio", "create_subprocess_exec"),
    ("asyncio", "create_subprocess_shell"),
}
STARTER_PREFIXES = ("exec", "spawn", "posix_spawn")


def test_only_gitread_starts_programs():
    """Every program the server extension starts goes through gitread.run (git, under
    its rule); the pytest plugin starts our own interpreter, for other projects' tests,
    and parse_process our own interpreter and module, to parse during a bulk load
    (tests/test_parse_process.py: no file of the tree runs in it)."""
    allowed = {"notebooks/gitread.py", "pytest_plugin.py", "index/parse_process.py"}
    package = Path(jupyter_blocks.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if "labextension" in path.parts or path.relative_to(package).as_posix() in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            if any(m.split(".")[0] in {"subprocess", "pty", "multiprocessing"} for m in modules):
                offenders.append(f"{path.relative_to(package)}:{node.lineno} imports {modules}")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                pair = (node.value.id, node.attr)
                if pair in STARTERS or (
                    node.value.id == "os" and node.attr.startswith(STARTER_PREFIXES)
                ):
                    offenders.append(f"{path.relative_to(package)}:{node.lineno} {pair}")
    assert offenders == []


def test_git_is_found_only_in_absolute_folders(tmp_path, monkeypatch):
    # Given a git program in the current folder and a PATH with a relative entry
    fake = tmp_path / "git"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", os.pathsep.join([".", "", os.environ.get("PATH", "")]))
    # Then the git used is never that one
    found = gitread.git_executable()
    assert found is None or Path(found).resolve() != fake.resolve()
    assert sys.executable  # the interpreter itself is not looked up on PATH
