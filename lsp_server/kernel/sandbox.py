"""The limits a kernel request runs under, set in the request's own process before any
user code runs, where user code cannot lift them.

- `limit_resources`: hard ``RLIMIT_AS`` (memory), ``RLIMIT_CORE`` 0, ``RLIMIT_FSIZE``;
  soft and hard limits alike, so ``setrlimit`` cannot raise them (root could: the
  seccomp filter then refuses ``setrlimit`` and a ``prlimit64`` that sets anything);
- `deny_processes`: process creation, ``exec`` and signals to other processes refused at
  the ``posix`` level (``os`` and ``posix`` share these functions; both are replaced),
  with a message that says why;
- `drop_capabilities`: a root request process gives up the capabilities that would let
  it signal or inspect any process and lift hard limits;
- `install_seccomp`: the same refusals at the system-call level (Linux x86-64 and
  AArch64), so ``ctypes``, ``_posixsubprocess`` or a C extension cannot go around them.
  Threads stay allowed (``clone`` with ``CLONE_THREAD``), so no ``RLIMIT_NPROC`` is
  needed (it counts threads too, and would stop a function that starts one).

    >>> seccomp_supported() in (True, False)
    True
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
import struct
import subprocess
import sys
from collections.abc import Callable
from typing import Any

# (imported here, by the zygote: each request process then finds them imported)

# -- resource limits ------------------------------------------------------------------------

FILE_SIZE_LIMIT = 256 << 20  # a runaway writer fills the disk no faster than this per file


def limit_resources(memory: int) -> None:
    """Hard limits (soft == hard): address space ``memory`` bytes (0: none), no core
    files, no file larger than `FILE_SIZE_LIMIT`."""

    def hard(which: int, value: int) -> None:
        _, current = resource.getrlimit(which)
        if current != resource.RLIM_INFINITY:
            value = min(value, current)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    if memory > 0:
        hard(resource.RLIMIT_AS, memory)
    hard(resource.RLIMIT_CORE, 0)
    hard(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)


def not_dumpable() -> None:
    """Close this process's ``/proc/PID/mem``, ``/proc/PID/fd`` and ``ptrace`` to the other
    processes of the same (non-root) user (Linux; elsewhere nothing). The server, the
    CLI and the kernel's zygote call it: code running in a kernel request, even through
    ``ctypes``, then cannot write into their memory or reopen their pipes (the editor's
    connection included). It also turns off their core dumps; ``ADLENS_DUMPABLE=1``
    keeps them debuggable (py-spy, gdb)."""
    if not sys.platform.startswith("linux") or os.environ.get("ADLENS_DUMPABLE") == "1":
        return
    try:
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    except (OSError, AttributeError):
        pass


# Capabilities a root kernel request gives up: signalling any process (KILL), reading
# other processes through /proc and ptrace (SYS_PTRACE), lifting hard limits
# (SYS_RESOURCE), and the system-wide ones (modules, raw I/O, admin, reboot).
_DROPPED_CAPABILITIES = (5, 16, 17, 19, 21, 22, 24)
_CAP_VERSION_3 = 0x20080522
_PR_CAPBSET_DROP = 24


def drop_capabilities() -> str | None:
    """Give up `_DROPPED_CAPABILITIES` for good (effective, permitted, inheritable and
    bounding sets); None on success or when there is nothing to drop (not root), else
    why not. With them gone, root's request process is held by the same checks as any
    user's: the non-dumpable parents' ``/proc`` entries are closed to it, and hard
    limits stay hard."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return None

    class _Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class _Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _DROPPED_CAPABILITIES:
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # needs CAP_SETPCAP; fine if not
    header = _Header(_CAP_VERSION_3, 0)
    data = (_Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        return f"capget: {os.strerror(ctypes.get_errno())}"
    for cap in _DROPPED_CAPABILITIES:
        word, bit = divmod(cap, 32)
        mask = ~(1 << bit) & 0xFFFFFFFF
        data[word].effective &= mask
        data[word].permitted &= mask
        data[word].inheritable &= mask
    if libc.capset(ctypes.byref(header), data) != 0:
        return f"capset: {os.strerror(ctypes.get_errno())}"
    return None


# -- the posix level --------------------------------------------------------------------------

NO_PROCESS = (
    "fork", "forkpty", "vfork", "system", "popen", "posix_spawn", "posix_spawnp", "execv",
    "execve", "execl", "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnl",
    "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
    "pidfd_open", "setsid", "setpgid", "setpgrp", "ptrace",
)  # fmt: skip
PROCESS_MESSAGE = "starting processes is disabled in the AD Lens kernel"
SIGNAL_MESSAGE = "signalling other processes is disabled in the AD Lens kernel"


def _deny(message: str) -> Callable[..., Any]:
    def denied(*_a: Any, **_k: Any) -> Any:
        raise PermissionError(message)

    return denied


def _own_signals_only(real: Callable[..., Any], me: int) -> Callable[..., Any]:
    def guarded(pid: int, sig: int) -> None:
        if pid != me:
            raise PermissionError(SIGNAL_MESSAGE)
        real(pid, sig)

    return guarded


def deny_processes() -> None:
    """Replace process creation, exec and signals to others in ``os`` *and* ``posix``
    (``import posix; posix.kill(...)`` reaches the same C function as ``os.kill``)."""
    modules = [os, sys.modules.get("posix") or sys.modules.get("nt")]
    me = os.getpid()
    for mod in [m for m in modules if m is not None]:
        for name in NO_PROCESS:
            if hasattr(mod, name):
                setattr(mod, name, _deny(PROCESS_MESSAGE))
        for name in ("kill", "killpg"):
            real = getattr(mod, name, None)
            if real is not None:
                setattr(mod, name, _own_signals_only(real, me) if name == "kill"
                        else _deny(SIGNAL_MESSAGE))
    for name in ("pidfd_send_signal", "sigqueue"):
        if hasattr(signal, name):
            setattr(signal, name, _deny(SIGNAL_MESSAGE))
    try:
        import _posixsubprocess

        _posixsubprocess.fork_exec = _deny(PROCESS_MESSAGE)  # type: ignore[attr-defined]
    except ImportError:
        pass
    subprocess.Popen._execute_child = _deny(PROCESS_MESSAGE)  # type: ignore[attr-defined]


# -- seccomp ---------------------------------------------------------------------------------
#
# A classic BPF program over `struct seccomp_data` {int nr; u32 arch; u64 ip; u64 args[6]}.
# Checked: the architecture (a foreign one, e.g. 32-bit int 0x80 calls on x86-64, is
# refused outright), x32 calls on x86-64, then the system call number. Everything not
# listed is allowed: this is a deny list of what reaches other processes or lifts limits.

_ARCH = {  # machine: (AUDIT_ARCH_*, syscall table)
    "x86_64": (0xC000003E, {
        "fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "execve": 59, "execveat": 322,
        "kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129,
        "rt_tgsigqueueinfo": 297, "pidfd_open": 434, "pidfd_send_signal": 424,
        "pidfd_getfd": 438, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
        "setrlimit": 160, "prlimit64": 302, "setsid": 112, "setpgid": 109, "unshare": 272,
        "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "reboot": 169, "kexec_load": 246, "init_module": 175, "finit_module": 313,
        "delete_module": 176, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
        "keyctl": 250, "add_key": 248, "request_key": 249, "personality": 135,
        "ioperm": 173, "iopl": 172, "kcmp": 312, "process_madvise": 440,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsmount": 432,
    }),
    "aarch64": (0xC00000B7, {
        "clone": 220, "clone3": 435, "execve": 221, "execveat": 281, "kill": 129,
        "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240,
        "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "setrlimit": 164,
        "prlimit64": 261, "setsid": 157, "setpgid": 154, "unshare": 97, "setns": 268,
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "reboot": 142,
        "kexec_load": 104, "init_module": 105, "finit_module": 273, "delete_module": 106,
        "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "keyctl": 219,
        "add_key": 217, "request_key": 218, "personality": 92, "kcmp": 272,
        "process_madvise": 440, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsmount": 432,
    }),
}  # fmt: skip

_ALLOW, _KILL = 0x7FFF0000, 0x80000000
_EPERM, _ENOSYS = 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_CLONE_THREAD = 0x00010000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


def _arg(i: int, high: bool = False) -> int:
    """Offset of the low (or high) 32 bits of args[i] in seccomp_data (little-endian)."""
    return 16 + 8 * i + (4 if high else 0)


class _Program:
    """A tiny assembler: instructions with symbolic forward jumps."""

    def __init__(self) -> None:
        self.code: list[tuple[int, Any, Any, int]] = []
        self.labels: dict[str, int] = {}

    def op(self, code: int, k: int, jt: Any = 0, jf: Any = 0) -> None:
        self.code.append((code, jt, jf, k))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def assemble(self) -> bytes:
        out = b""
        for i, (code, jt, jf, k) in enumerate(self.code):
            def rel(target: Any, i: int = i) -> int:
                if isinstance(target, int):
                    return target
                offset = self.labels[target] - i - 1
                assert 0 <= offset < 256, (target, offset)
                return offset

            out += struct.pack("HBBI", code, rel(jt), rel(jf), k & 0xFFFFFFFF)
        return out


# What each denied call gets: most a plain EPERM; some allowed with a condition on args.
_PLAIN_DENY = (
    "fork", "vfork", "execve", "execveat", "tkill", "pidfd_open", "pidfd_send_signal",
    "pidfd_getfd", "ptrace", "process_vm_readv", "process_vm_writev", "setrlimit", "setsid",
    "setpgid", "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "reboot",
    "kexec_load", "init_module", "finit_module", "delete_module", "bpf", "perf_event_open",
    "userfaultfd", "keyctl", "add_key", "request_key", "personality", "ioperm", "iopl",
    "kcmp", "process_madvise", "open_tree", "move_mount", "fsopen", "fsmount",
)  # fmt: skip
_OWN_PID_FIRST = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")


def _filter(arch: int, table: dict[str, int], pid: int, x86_64: bool) -> bytes:
    p = _Program()
    p.op(_LD_W_ABS, 4)  # arch
    p.op(_JEQ_K, arch, 1, 0)
    p.op(_RET_K, _KILL)
    p.op(_LD_W_ABS, 0)  # nr
    if x86_64:
        p.op(_JGE_K, 0x40000000, "deny", 0)  # x32 ABI numbers
    for name in _PLAIN_DENY:
        if name in table:
            p.op(_JEQ_K, table[name], "deny", 0)
    for name in _OWN_PID_FIRST:
        p.op(_JEQ_K, table[name], "own_pid", 0)
    p.op(_JEQ_K, table["clone"], "clone", 0)
    p.op(_JEQ_K, table["clone3"], "nosys", 0)  # glibc then falls back to clone()
    p.op(_JEQ_K, table["prlimit64"], "prlimit", 0)
    p.op(_RET_K, _ALLOW)
    p.label("own_pid")  # kill(pid, ...) and friends: only this process
    p.op(_LD_W_ABS, _arg(0))
    p.op(_JEQ_K, pid, 0, "deny")
    p.op(_LD_W_ABS, _arg(0, high=True))
    p.op(_JEQ_K, 0, "allow", "deny")
    p.label("clone")  # a thread, never a process
    p.op(_LD_W_ABS, _arg(0))
    p.op(_JSET_K, _CLONE_THREAD, "allow", "deny")
    p.label("prlimit")  # reading a limit is fine; setting one is not
    p.op(_LD_W_ABS, _arg(2))
    p.op(_JEQ_K, 0, 0, "deny")
    p.op(_LD_W_ABS, _arg(2, high=True))
    p.op(_JEQ_K, 0, "allow", "deny")
    p.label("nosys")
    p.op(_RET_K, _ENOSYS)
    p.label("deny")
    p.op(_RET_K, _EPERM)
    p.label("allow")
    p.op(_RET_K, _ALLOW)
    return p.assemble()


def _machine() -> str:
    m = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(m, m)


def seccomp_supported() -> bool:
    """Whether this platform can take the filter (Linux on x86-64 or AArch64 with
    seccomp in its kernel); `install_seccomp` says why not when it cannot."""
    return sys.platform.startswith("linux") and _machine() in _ARCH and _has_seccomp()


def _has_seccomp() -> bool:
    try:
        with open("/proc/self/status") as f:
            return any(line.startswith("Seccomp:") for line in f)
    except OSError:
        return False


def install_seccomp() -> str | None:
    """Install the filter on this (single-threaded) process; None on success, else why
    not. It cannot be removed: a filter only ever adds restrictions."""
    if not seccomp_supported():
        return f"no seccomp on {sys.platform}/{_machine()}"
    arch, table = _ARCH[_machine()]
    program = _filter(arch, table, os.getpid(), _machine() == "x86_64")
    buf = ctypes.create_string_buffer(program, len(program))

    class _Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = _Fprog(len(program) // 8, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                           ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}"
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        return f"prctl(SECCOMP): {os.strerror(ctypes.get_errno())}"
    return None
