/*
 * The network holder's program, as bytes: a static Linux ELF executable that installs handlers for
 * SIGTERM and SIGINT, then waits for signals forever; a handled signal exits with status 0. PID 1 of a
 * container ignores every signal it has no handler for, so without the handlers `docker stop` would
 * wait for its SIGKILL. Nothing else runs in the holder's PID namespace, so it has nothing to reap.
 *
 * Layout, for both architectures: ELF header (64 bytes), one PT_LOAD program header (56 bytes) that
 * maps the whole file read+execute at LOAD_ADDRESS, the code, then the kernel's `struct sigaction`
 * (32 bytes on x86_64 and aarch64 alike: handler, flags, restorer, mask).
 */

export type PauseArchitecture = 'amd64' | 'arm64';

const LOAD_ADDRESS = 0x400000;
const ELF_HEADER_SIZE = 64;
const PROGRAM_HEADER_SIZE = 56;
const CODE_OFFSET = ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE;
/** x86_64 refuses to deliver a signal to a handler without a restorer; ours never returns anyway. */
const SA_RESTORER = 0x04000000;

interface Code {
  readonly machine: number;
  readonly bytes: Buffer;
  /** Offsets in `bytes`. */
  readonly handler: number;
  readonly sigaction: number;
}

/** The program for an engine architecture (Docker's names for them). */
export function pauseProgram(arch: PauseArchitecture): Buffer {
  const code = arch === 'amd64' ? amd64() : arm64();
  const handlerAddress = BigInt(LOAD_ADDRESS + CODE_OFFSET + code.handler);
  const sigaction = Buffer.alloc(32);
  sigaction.writeBigUInt64LE(handlerAddress, 0); // sa_handler
  sigaction.writeBigUInt64LE(BigInt(SA_RESTORER), 8); // sa_flags
  sigaction.writeBigUInt64LE(handlerAddress, 16); // sa_restorer
  // sa_mask (bytes 24–31) stays empty.
  if (code.bytes.length !== code.sigaction) throw new Error('pause program: sigaction must follow the code');
  const fileSize = CODE_OFFSET + code.bytes.length + sigaction.length;
  return Buffer.concat([elfHeader(code.machine), programHeader(fileSize), code.bytes, sigaction]);
}

/* x86_64: syscall number in eax, arguments in rdi, rsi, rdx, r10; `syscall` keeps all but rax, rcx, r11. */
function amd64(): Code {
  const sigaction = 57;
  // prettier-ignore
  const bytes = [
    /*  0 */ 0xb8, 13, 0, 0, 0,                  // mov eax, 13          ; rt_sigaction(
    /*  5 */ 0xbf, 15, 0, 0, 0,                  // mov edi, 15          ;   SIGTERM,
    /* 10 */ 0x48, 0x8d, 0x35, ...i32(sigaction - 17), // lea rsi, [rip + sigaction] ; &sigaction,
    /* 17 */ 0x31, 0xd2,                         // xor edx, edx         ;   NULL,
    /* 19 */ 0x41, 0xba, 8, 0, 0, 0,             // mov r10d, 8          ;   sizeof(sigset_t))
    /* 25 */ 0x0f, 0x05,                         // syscall
    /* 27 */ 0xb8, 13, 0, 0, 0,                  // mov eax, 13          ; rt_sigaction(SIGINT, the same
    /* 32 */ 0xbf, 2, 0, 0, 0,                   // mov edi, 2           ;   rsi, rdx and r10)
    /* 37 */ 0x0f, 0x05,                         // syscall
    /* 39 */ 0xb8, 34, 0, 0, 0,                  // wait: mov eax, 34    ; pause()
    /* 44 */ 0x0f, 0x05,                         // syscall
    /* 46 */ 0xeb, 0xf7,                         // jmp wait             ; 39 - 48 = -9
    /* 48 */ 0xb8, 231, 0, 0, 0,                 // handler: mov eax, 231 ; exit_group(
    /* 53 */ 0x31, 0xff,                         // xor edi, edi         ;   0)
    /* 55 */ 0x0f, 0x05,                         // syscall
    /* 57: sigaction */
  ];
  return { machine: 62 /* EM_X86_64 */, bytes: Buffer.from(bytes), handler: 48, sigaction };
}

/* aarch64: syscall number in x8, arguments in x0–x4; `svc` keeps all but x0. It has no pause(): ppoll
 * with no descriptors, no timeout and no mask blocks until a signal arrives. */
function arm64(): Code {
  const sigaction = 76;
  // prettier-ignore
  const words = [
    /*  0 */ movz(8, 134),        // mov x8, #134         ; rt_sigaction(
    /*  4 */ movz(0, 15),         // mov x0, #15          ;   SIGTERM,
    /*  8 */ adr(1, sigaction - 8), // adr x1, sigaction  ;   &sigaction,
    /* 12 */ movz(2, 0),          // mov x2, #0           ;   NULL,
    /* 16 */ movz(3, 8),          // mov x3, #8           ;   sizeof(sigset_t))
    /* 20 */ SVC_0,               // svc #0
    /* 24 */ movz(8, 134),        // mov x8, #134         ; rt_sigaction(SIGINT, the same x1–x3)
    /* 28 */ movz(0, 2),          // mov x0, #2
    /* 32 */ SVC_0,               // svc #0
    /* 36 */ movz(8, 73),         // wait: mov x8, #73    ; ppoll(
    /* 40 */ movz(0, 0),          // mov x0, #0           ;   NULL,
    /* 44 */ movz(1, 0),          // mov x1, #0           ;   0,
    /* 48 */ movz(2, 0),          // mov x2, #0           ;   NULL,
    /* 52 */ movz(3, 0),          // mov x3, #0           ;   NULL)
    /* 56 */ SVC_0,               // svc #0
    /* 60 */ branch(36 - 60),     // b wait
    /* 64 */ movz(8, 94),         // handler: mov x8, #94 ; exit_group(
    /* 68 */ movz(0, 0),          // mov x0, #0           ;   0)
    /* 72 */ SVC_0,               // svc #0
    /* 76: sigaction */
  ];
  const bytes = Buffer.alloc(words.length * 4);
  words.forEach((word, i) => bytes.writeUInt32LE(word, i * 4));
  return { machine: 183 /* EM_AARCH64 */, bytes, handler: 64, sigaction };
}

const SVC_0 = 0xd4000001;

/** `movz xd, #imm16` */
function movz(register: number, value: number): number {
  return (0xd2800000 | (value << 5) | register) >>> 0;
}

/** `adr xd, pc + offset` */
function adr(register: number, offset: number): number {
  return (0x10000000 | ((offset & 3) << 29) | (((offset >> 2) & 0x7ffff) << 5) | register) >>> 0;
}

/** `b pc + offset` */
function branch(offset: number): number {
  return (0x14000000 | ((offset >> 2) & 0x3ffffff)) >>> 0;
}

function elfHeader(machine: number): Buffer {
  const header = Buffer.alloc(ELF_HEADER_SIZE);
  header.write('\x7fELF', 0, 'latin1');
  header[4] = 2; // ELFCLASS64
  header[5] = 1; // little endian
  header[6] = 1; // EV_CURRENT
  header.writeUInt16LE(2, 16); // ET_EXEC: loaded where it says, no relocations
  header.writeUInt16LE(machine, 18);
  header.writeUInt32LE(1, 20); // EV_CURRENT
  header.writeBigUInt64LE(BigInt(LOAD_ADDRESS + CODE_OFFSET), 24); // e_entry: the first instruction
  header.writeBigUInt64LE(BigInt(ELF_HEADER_SIZE), 32); // e_phoff
  header.writeUInt16LE(ELF_HEADER_SIZE, 52); // e_ehsize
  header.writeUInt16LE(PROGRAM_HEADER_SIZE, 54); // e_phentsize
  header.writeUInt16LE(1, 56); // e_phnum (no section headers)
  return header;
}

function programHeader(fileSize: number): Buffer {
  const header = Buffer.alloc(PROGRAM_HEADER_SIZE);
  header.writeUInt32LE(1, 0); // PT_LOAD
  header.writeUInt32LE(5, 4); // PF_R | PF_X
  header.writeBigUInt64LE(0n, 8); // p_offset: the whole file…
  header.writeBigUInt64LE(BigInt(LOAD_ADDRESS), 16); // p_vaddr: …at LOAD_ADDRESS
  header.writeBigUInt64LE(BigInt(LOAD_ADDRESS), 24); // p_paddr
  header.writeBigUInt64LE(BigInt(fileSize), 32); // p_filesz
  header.writeBigUInt64LE(BigInt(fileSize), 40); // p_memsz
  header.writeBigUInt64LE(0x1000n, 48); // p_align
  return header;
}

function i32(value: number): number[] {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32LE(value);
  return [...bytes];
}
