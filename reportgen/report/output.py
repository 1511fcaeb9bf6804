"""Report folders: names, the write-ahead checks, and the locked swap into place.

Design (issue 11, item 10). On Linux a report folder is replaced in one atomic step:
``renameat2(RENAME_EXCHANGE)`` swaps ``.month.building.X`` and ``month``, so a reader or a
kill at any moment sees either the old folder or the new one, never none. Where the
exchange is not available (other systems, some file systems) the swap falls back to two
renames, ``month`` -> ``.month.old`` and ``.month.building.X`` -> ``month``. Either way the
swap runs while holding an exclusive :class:`filelock.FileLock` on ``output/.lock``. The files are written into the temporary
folder under the same lock (a few MB; well under a second), so whoever holds the lock knows
that every ``.*.building.*`` folder it sees belongs to a dead run. Each run first *recovers*
under the lock: a ``.month.old`` without ``month`` (a kill between the two renames) is
renamed back, a ``.month.old`` beside ``month`` is removed, and leftover temporary folders
are removed. A reader therefore sees the old report or the new one, and after a crash at
any point the next run restores the old report before it does anything else.

A single-rename design (folders behind a symlink that is replaced with ``os.replace``) was
not chosen: it turns every month folder into a symlink, which archive tools, web servers
and ``rsync`` without ``-L`` treat differently, and it still needs the lock to keep two
runs from interleaving their clean-up.

Rebuilding a month that already has a folder replaces the files the build produces and
keeps the files it did not produce: the PDF when the rebuild ran with ``--no-pdf``, and
any file reportgen never writes (a reader's notes). Generated files the new build no longer
writes (an old figure table) are not carried over (:func:`keep_policy`). ``--as-of`` builds go to their own folder
``<YYYY-MM>-as-of-<YYYY-MM-DD>`` and never touch a month folder.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import fnmatch
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout

from reportgen.data.cache import fsync_dir
from reportgen.errors import BuildError, ConfigError

LOCK_NAME = ".lock"
LOCK_TIMEOUT_SECONDS = 120.0
PROBE_NAME = ".reportgen-write-probe"

_ERRNO_WORDS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENOTDIR: "a path component is a file, not a folder",
    errno.EEXIST: "a file is in the way",
}


class OutputError(BuildError):
    """The output folder cannot be written (permissions, read-only, full, locked). Exit 6;
    the previous report is untouched."""

    hint = "fix the permissions or free space in the output folder (report.output_dir), then build again"


def describe_oserror(exc: OSError) -> str:
    """``'permission denied (EACCES)'``: the reason of an OSError in words, with its code."""
    name = errno.errorcode.get(exc.errno or 0, "")
    words = _ERRNO_WORDS.get(exc.errno or 0, exc.strerror or str(exc))
    return f"{words} ({name})" if name else words


# --------------------------------------------------------------------------- names


def last_complete_month(as_of: dt.date) -> str:
    """``YYYY-MM`` of the last calendar month the data covers completely.

    The month of ``as_of`` counts as complete when ``as_of`` is on or after its last
    business day (the rule :func:`reportgen.data.align.sample` uses for month-ends);
    otherwise the month before it is the last complete one.
    """
    stamp = pd.Timestamp(as_of)
    month_end = (stamp + pd.offsets.MonthEnd(0)).normalize()
    last_business = month_end if month_end.weekday() < 5 else month_end - pd.offsets.BDay(1)
    if stamp.normalize() >= last_business:
        return stamp.strftime("%Y-%m")
    return (stamp.replace(day=1) - pd.Timedelta(days=1)).strftime("%Y-%m")


def report_folder_name(data_as_of: dt.date, requested_as_of: dt.date | None = None) -> str:
    """Folder name of a build: ``YYYY-MM`` (the data's last complete month), or
    ``YYYY-MM-as-of-YYYY-MM-DD`` for an ``--as-of`` replay (never an archived month)."""
    month = last_complete_month(data_as_of)
    if requested_as_of is None:
        return month
    return f"{month}-as-of-{requested_as_of.isoformat()}"


# --------------------------------------------------------------------------- checks before the work


def _is_forbidden_root(p: Path) -> str | None:
    resolved = p.resolve()
    if resolved == Path(resolved.anchor):
        return "the filesystem root"
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError, OSError):
        home = None
    if home is not None and resolved == home:
        return "the home folder itself"
    return None


def check_writable_dir(path: Path, key: str) -> Path:
    """Make sure ``path`` is (or can be created as) a folder we can write to.

    Creates it if missing, then writes and deletes a probe file. Called before any
    analysis, so a bad output folder fails in a second, not after the whole build.

    Raises
    ------
    ConfigError : ``path`` is the filesystem root, the home folder, or a file (exit 2)
    OutputError : the folder cannot be created or written (exit 6)
    """
    path = Path(path)
    where = _is_forbidden_root(path)
    if where:
        raise ConfigError(f"{key} = {str(path)!r} is {where}; reports need a folder of their own",
                          hint=f"set {key} to a dedicated folder, e.g. \"output\"")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{key} = {str(path)!r} is a file, not a folder",
                          hint=f"point {key} at a folder, or move the file away")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f"{PROBE_NAME}.{os.getpid()}"
        with open(probe, "wb") as fh:
            fh.write(b"ok")
            fh.flush()
            os.fsync(fh.fileno())
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write to {key} {path}: {describe_oserror(exc)}") from None
    return path


# --------------------------------------------------------------------------- lock and recovery


def output_lock(root: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> FileLock:
    """The exclusive lock on ``root/.lock`` that every folder swap holds."""
    return FileLock(str(Path(root) / LOCK_NAME), timeout=timeout)


def _acquire(lock: FileLock, root: Path) -> None:
    try:
        lock.acquire()
    except Timeout:
        raise OutputError(f"another reportgen build holds the lock {root / LOCK_NAME} for over {lock.timeout:g} s",
                          hint="wait for the other build to finish, then build again") from None
    except OSError as exc:  # e.g. the lock file belongs to another user
        raise OutputError(f"cannot take the lock {root / LOCK_NAME}: {describe_oserror(exc)}") from None


def recover(root: Path) -> tuple[str, ...]:
    """Undo what a killed swap left behind. Call only while holding :func:`output_lock`.

    * ``.M.old`` without ``M``: the kill came between the two renames; ``M`` is restored.
    * ``.M.old`` beside ``M``: the kill came after the swap; the old copy is removed.
    * ``.M.building.*``: files of a build that died before its swap; removed (under the
      lock no live build has one).

    Returns what was done, one line each (for the log).
    """
    root = Path(root)
    done: list[str] = []
    if not root.is_dir():
        return ()
    for p in sorted(root.iterdir()):
        name = p.name
        if name.startswith(".") and name.endswith(".old") and p.is_dir():
            month = name[1:-4]
            target = root / month
            if not target.exists():
                p.rename(target)
                done.append(f"restored {month} from {name}")
            else:
                shutil.rmtree(p, ignore_errors=True)
                done.append(f"removed {name}")
    for p in sorted(root.iterdir()):
        if p.name.startswith(".") and ".building." in p.name and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            done.append(f"removed {p.name}")
    return tuple(done)


def recover_locked(root: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> tuple[str, ...]:
    """:func:`recover` under the output lock (a no-op when ``root`` does not exist yet)."""
    root = Path(root)
    if not root.is_dir():
        return ()
    lock = output_lock(root, timeout)
    _acquire(lock, root)
    try:
        return recover(root)
    finally:
        lock.release()


# --------------------------------------------------------------------------- the swap

#: file names reportgen writes into a report folder (anything else belongs to a reader)
GENERATED = ("report.*", "note.*", "appendix.*", "results.json", "tests.*", "verdicts.*", "figure_*")


def keep_policy(pdf_built: bool) -> Callable[[str], bool]:
    """Which files of an existing folder a rebuild carries over: files reportgen never
    writes, and the PDFs when this build made none (``--no-pdf`` never deletes a PDF)."""

    def keep(name: str) -> bool:
        if not pdf_built and name.endswith(".pdf"):
            return True
        return not any(fnmatch.fnmatchcase(name, p) for p in GENERATED)

    return keep


def _rename(src: Path, dst: Path) -> None:
    """One rename (a seam for the fault-injection tests)."""
    os.rename(src, dst)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
try:
    _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    _renameat2.restype = ctypes.c_int
except (AttributeError, OSError):  # not Linux/glibc: the two-rename fallback is used
    _renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False where the call or the flag is not supported (the caller falls back to
    two renames); other failures raise OSError.
    """
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def write_folder_atomically(target: Path, files: dict[str, bytes], *, keep_other_files: bool = True,
                            keep: Callable[[str], bool] | None = None,
                            timeout: float = LOCK_TIMEOUT_SECONDS) -> tuple[Path, ...]:
    """Write ``files`` into a temporary folder beside ``target`` and swap it in, under the lock.

    Parameters
    ----------
    target : the report folder (``output/2026-11``)
    files : file name -> bytes
    keep_other_files : copy files of an existing ``target`` that are not in ``files`` into
        the new folder (a ``--no-pdf`` rebuild keeps the month's PDF)
    keep : which of those other files to carry over (default: all); see :func:`keep_policy`

    Returns the paths written. A failure at any point leaves an existing ``target``
    untouched (or, after a kill between the renames, restorable by :func:`recover`).

    Raises
    ------
    OutputError : the folder cannot be written (permissions, read-only, disk full, lock)
    """
    target = Path(target)
    root = target.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {root}: {describe_oserror(exc)}") from None
    lock = output_lock(root, timeout)
    _acquire(lock, root)
    tmp: Path | None = None
    try:
        recover(root)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{target.name}.building."))
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private (0700); the report is for its readers
        for name, data in files.items():
            with open(tmp / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        if keep_other_files and target.is_dir():
            for p in sorted(target.iterdir()):
                if p.name not in files and not (tmp / p.name).exists() and (keep is None or keep(p.name)):
                    if p.is_dir():
                        shutil.copytree(p, tmp / p.name, symlinks=True)
                    else:
                        shutil.copy2(p, tmp / p.name, follow_symlinks=False)
        if target.exists() and _exchange(tmp, target):
            # one atomic step: target now holds the new files, tmp the old ones
            shutil.rmtree(tmp, ignore_errors=True)
            tmp = None
        else:
            old = root / f".{target.name}.old"
            if target.exists():
                if old.exists():
                    shutil.rmtree(old)
                _rename(target, old)
            _rename(tmp, target)
            tmp = None
            shutil.rmtree(old, ignore_errors=True)
        fsync_dir(root)
    except OSError as exc:
        raise OutputError(f"cannot write the report folder {target}: {describe_oserror(exc)}") from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        # a failure between the two renames is repaired at once, while we hold the lock
        try:
            recover(root)
        except OSError:
            pass
        lock.release()
    return tuple(target / n for n in files)


__all__ = [
    "OutputError",
    "GENERATED",
    "check_writable_dir",
    "describe_oserror",
    "keep_policy",
    "last_complete_month",
    "output_lock",
    "recover",
    "recover_locked",
    "report_folder_name",
    "write_folder_atomically",
]
