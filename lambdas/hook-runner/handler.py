"""Runs the dbroles runbook hook: the script on python3's stdin, stderr joined to stdout.

Invoked synchronously by the RunHook task with {"script", "env", "timeout_seconds"}. Returns
{"exit_code", "output", "dropped_bytes", "execution_time_sec"}; exit_code is -1 when the script ran
past the timeout (its whole process group is killed). The output is returned raw: the caller
redacts every password and cuts it to 4096 bytes before storing it. Nothing is logged here, since
the environment and the output hold passwords.
"""

import os
import signal
import subprocess
import sys
import time

OUTPUT_MEMORY_CAP = 1024 * 1024
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")


def run_hook(script, env, timeout_seconds):
    started = time.monotonic()
    child_env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    child_env["PYTHONIOENCODING"] = "utf-8"
    child_env.update(env)
    process = subprocess.Popen(
        [sys.executable, "-u", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_env,
        start_new_session=True,
    )
    timed_out = False
    try:
        output, _ = process.communicate(input=script.encode("utf-8"), timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    kept = output[:OUTPUT_MEMORY_CAP]
    text = kept.decode("utf-8", errors="replace")
    if timed_out:
        text += "\n[dbroles: the hook ran past %d s (DBROLES_HOOK_TIMEOUT_SECONDS) and was killed]\n" % timeout_seconds
    return {
        "exit_code": -1 if timed_out else process.returncode,
        "output": text,
        "dropped_bytes": len(output) - len(kept),
        "execution_time_sec": round(time.monotonic() - started, 3),
    }


def handler(event, _context):
    return run_hook(event["script"], event.get("env") or {}, int(event.get("timeout_seconds") or 60))
