// A small seccomp-BPF program handed to bwrap (--seccomp FD, through a pipe from memory, so no file on disk can be
// swapped or read by others): denies kernel interfaces a sandboxed script never needs and exotic socket families.

// BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const EPERM = 1;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;

/**
 * x86_64 syscalls refused with EPERM. Each is either a namespace/mount escape route (mount, umount2,
 * pivot_root, unshare, setns, open_tree, move_mount, fs*), a large kernel attack surface that ordinary
 * programs never use (bpf, userfaultfd, perf_event_open, io_uring_*, keyctl family), a way to inspect or
 * write other processes' memory (ptrace, process_vm_*, kcmp), a file-handle trick that bypasses path
 * checks (open_by_handle_at, name_to_handle_at), or host-wide administration (reboot, kexec, modules, swap,
 * clock setting, syslog, acct, quotactl, iopl/ioperm).
 */
const DENY_X86_64: number[] = [
  101, // ptrace
  103, // syslog
  134, // uselib
  153, // vhangup
  155, // pivot_root
  159, // adjtimex
  163, // acct
  164, // settimeofday
  165, // mount
  166, // umount2
  167, // swapon
  168, // swapoff
  169, // reboot
  170, // sethostname
  171, // setdomainname
  172, // iopl
  173, // ioperm
  175, // init_module
  176, // delete_module
  179, // quotactl
  227, // clock_settime
  246, // kexec_load
  248, // add_key
  249, // request_key
  250, // keyctl
  272, // unshare
  298, // perf_event_open
  303, // name_to_handle_at
  304, // open_by_handle_at
  305, // clock_adjtime
  308, // setns
  310, // process_vm_readv
  311, // process_vm_writev
  312, // kcmp
  313, // finit_module
  320, // kexec_file_load
  321, // bpf
  323, // userfaultfd
  425, // io_uring_setup
  426, // io_uring_enter
  427, // io_uring_register
  428, // open_tree
  429, // move_mount
  430, // fsopen
  431, // fsconfig
  432, // fsmount
  433, // fspick
  442, // mount_setattr
];

function insn(code: number, jt: number, jf: number, k: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(code, 0);
  b.writeUInt8(jt, 2);
  b.writeUInt8(jf, 3);
  b.writeUInt32LE(k >>> 0, 4);
  return b;
}

const SYS_SOCKET = 41;
const EAFNOSUPPORT = 97;
/** Offset of the low 32 bits of seccomp_data.args[0] (little-endian x86_64): socket()'s address family. */
const ARG0_LOW = 16;
/**
 * The only socket families a sandbox may create: AF_UNIX (1: the SDK channel, the egress socket), AF_INET (2) and
 * AF_INET6 (10: loopback to the in-sandbox egress forwarder), AF_NETLINK (16: glibc's getaddrinfo and interface
 * queries). Everything else (AF_VSOCK to the hypervisor, AF_PACKET, AF_BLUETOOTH, AF_ALG, …) is a kernel surface no
 * executor needs.
 */
const SOCKET_FAMILIES = [1, 2, 10, 16];

/** Builds the filter program for this CPU, or null where we have no syscall table (then no seccomp is applied). */
export function buildSeccompFilter(arch: string = process.arch): Buffer | null {
  if (arch !== 'x64') return null;
  const deny = DENY_X86_64;
  const prog: Buffer[] = [];
  // Any other ABI (i386 via int 0x80) would see different numbers: kill instead of guessing.
  prog.push(insn(BPF_LD_W_ABS, 0, 0, 4)); // seccomp_data.arch
  prog.push(insn(BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64));
  prog.push(insn(BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS));
  prog.push(insn(BPF_LD_W_ABS, 0, 0, 0)); // seccomp_data.nr
  // Jumps are relative to the next instruction. Layout after this point:
  //   [x32 check] [socket?] [socket block: ld arg0, one jeq per family, ret EAFNOSUPPORT, ret ALLOW]
  //   [one jeq per denied syscall] [ret ALLOW] [ret EPERM]
  const families = SOCKET_FAMILIES.length;
  const socketBlock = 1 + families + 2;
  const n = deny.length;
  // x32 syscalls alias the same numbers with a high bit: refuse them all (jump over everything to EPERM).
  prog.push(insn(BPF_JGE_K, 1 + socketBlock + n + 1, 0, X32_SYSCALL_BIT));
  prog.push(insn(BPF_JEQ_K, 0, socketBlock, SYS_SOCKET));
  prog.push(insn(BPF_LD_W_ABS, 0, 0, ARG0_LOW));
  SOCKET_FAMILIES.forEach((f, i) => prog.push(insn(BPF_JEQ_K, families - i, 0, f)));
  prog.push(insn(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EAFNOSUPPORT));
  prog.push(insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW));
  deny.forEach((nr, i) => prog.push(insn(BPF_JEQ_K, n - i, 0, nr)));
  prog.push(insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW));
  prog.push(insn(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM));
  return Buffer.concat(prog);
}
