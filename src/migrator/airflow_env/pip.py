"""Running pip in a venv: its result and, when it fails, the reason in a few lines."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from migrator.airflow_env.venvs import EnvironmentSetupError

PIP_TIMEOUT_SECONDS = 60
# pip prints these when it could not talk to the index at all (as opposed to a resolution or
# build failure); they turn a failed install into "cannot reach the index".
_NETWORK_MARKERS = (
    "NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
    "Name or service not known", "Network is unreachable", "ConnectTimeoutError", "ProxyError",
    "Connection refused", "Max retries exceeded", "Could not fetch URL", "nodename nor servname",
    "ReadTimeoutError", "SSLError",
)


@dataclass
class PipResult:
    ok: bool
    output: str
    timed_out: bool = False  # stopped at its time limit: no verdict on the requirements

    @property
    def network_error(self) -> str | None:
        if self.ok:
            return None
        for line in self.output.splitlines():
            if any(marker in line for marker in _NETWORK_MARKERS):
                # The phrase that says what went wrong, without urllib3's object reprs.
                match = re.search(r"(Failed to establish a new connection: [^')]*|Temporary failure in "
                                  r"name resolution|Name or service not known|Network is unreachable|"
                                  r"Connection refused|timed out|SSLError\([^)]*|ProxyError\([^)]*|"
                                  r"Could not fetch URL [^:]*)", line)
                return match.group(1).strip() if match else line.strip()[:300]
        return None

    @property
    def reason(self) -> str:
        return pip_reason(self.output)

    @property
    def judges_the_requirements(self) -> bool:
        """Whether the failure says something about the requirements themselves: a conflict, a
        build that fails, a package the index does not have. Not so for this machine's
        problems (an unreachable host, pip stopped at its time limit, pip's own crash), after
        which the same lines may well install on MWAA."""
        reason = self.reason
        if "conflicting dependencies" in reason:
            return True
        # A build that failed on a download (a wheel fetched from GitHub) says nothing either.
        return not self.timed_out and self.network_error is None and not reason.startswith("Exception")


def pip_reason(output: str, limit: int = 600) -> str:
    """pip's own explanation of a failure, on one line.

    Its ERROR lines, with the detail that says why: the requirements behind a conflict, the
    last line a failed build printed, git's ``fatal:`` line. pip's help links are left out.
    """
    lines = [line.rstrip() for line in output.splitlines()]
    errors: list[str] = []
    details: list[str] = []
    in_conflict = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("The conflict is caused by"):
            in_conflict = True
            continue
        if in_conflict:
            if not stripped or stripped.startswith(("To fix", "Additionally", "ERROR")):
                in_conflict = False
            else:
                details.append(stripped)
                continue
        if stripped.startswith("ERROR:"):
            text = stripped.removeprefix("ERROR:").strip()
            if not text.startswith(("ResolutionImpossible", "Failed to build", "Failed building")) and \
                    "subprocess-exited-with-error" not in text:
                errors.append(text)
        elif stripped.startswith("×") and "subprocess-exited-with-error" not in stripped:
            errors.append(stripped.lstrip("× ").strip())
        elif stripped == "[end of output]":
            # The last thing a failed build or metadata step printed is usually its reason.
            previous = next((lines[i].strip() for i in range(index - 1, -1, -1) if lines[i].strip()), "")
            if previous and not previous.startswith("╰─>"):
                details.append(previous)
        elif stripped.startswith("fatal:"):
            details.append(stripped)
    parts = list(dict.fromkeys(errors))
    if details:
        detail = "; ".join(dict.fromkeys(details))
        parts = [f"{parts[0].rstrip('.')}: {detail}", *parts[1:]] if parts else [detail]
    text = "; ".join(parts) or (lines[-1].strip() if lines else "pip failed")
    text = re.sub(r"-r \S*migrator-req-[^/\s]+/requirements\.txt \(line \d+\)", "the requirement", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _run_pip(python: Path, args: list[str], pip_python: Path | None = None,
             timeout: float | None = None) -> PipResult:
    """Run pip of ``python`` (installing into ``pip_python``'s environment when given); after
    ``timeout`` seconds pip and the builds it started are stopped and the run has failed."""
    command = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input"]
    if pip_python is not None:
        command += ["--python", str(pip_python)]
    command += args
    # pip's own temporary folders live in one of ours, removed whatever happens: a pip that is
    # stopped cannot clean up, and a runaway resolution leaves gigabytes of unpacked wheels.
    with tempfile.TemporaryDirectory(prefix="migrator-pip-") as scratch:
        env = {**os.environ, "PIP_PROGRESS_BAR": "off", "PYTHONWARNINGS": "ignore", "TMPDIR": scratch}
        env.pop("PYTHONPATH", None)
        env.pop("PIP_REQUIRE_VIRTUALENV", None)
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, start_new_session=True) as process:
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_tree(process)
                stdout, stderr = process.communicate()
                return PipResult(False, f"{stdout}\n{stderr}\nERROR: pip found no versions that fit "
                                        f"together within {timeout:.0f} seconds", timed_out=True)
            except BaseException:  # an interrupt: pip and its builds go too
                _kill_tree(process)
                raise
    return PipResult(process.returncode == 0, stdout + "\n" + stderr)


def _kill_tree(process: subprocess.Popen) -> None:
    """Stop ``process`` and what it started (its session, on POSIX)."""
    with contextlib.suppress(ProcessLookupError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()


def _pip_install_args(constraints: Path) -> list[str]:
    return ["install", "--timeout", str(PIP_TIMEOUT_SECONDS), "--retries", "1",
            "--constraint", str(constraints)]


def _no_disk_space(result: PipResult) -> None:
    """A full disk is this machine's problem: said as such, and nothing of it is cached."""
    if not result.ok and "No space left on device" in result.output:
        raise EnvironmentSetupError(f"pip ran out of disk space ({tempfile.gettempdir()} or the venv "
                                    "cache): free some and run again")
