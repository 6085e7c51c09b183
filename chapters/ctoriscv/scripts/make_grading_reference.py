#!/usr/bin/env python3
"""Writes Tests/Grading/Reference/ctoriscv/*.json from the real tools (run from the repo root).

programs.json   C programs with the exit code and stdout of gcc -O0 -march=rv32im -mabi=ilp32,
                linked with ctoriscv's runtime (for printf), run on qemu-riscv32.
gcc_elfs.json   gcc -O2 executables linked with the runtime (base64) with qemu-riscv32's exit code, for the emulator alone;
                gcc -O0 executables of the algo_ programs, whose instruction counts the optimizing back end must beat.
encodings.json  instruction words from riscv64-unknown-elf-as, read back with objdump.
Needs: riscv64-unknown-elf-gcc, qemu-riscv32, and a built ctoriscv (for --runtime-asm).
"""
import base64, json, os, subprocess, sys, tempfile

OUT = 'Tests/Grading/Reference/ctoriscv'
CT = sys.argv[1] if len(sys.argv) > 1 else '.build-ctoriscv/debug/ctoriscv'
GCC = ['riscv64-unknown-elf-gcc', '-march=rv32im', '-mabi=ilp32', '-nostdlib', '-nostartfiles', '-Wl,--no-relax', '-w']


PROGRAMS = {
 'lex_numbers': 'int main() { return 0x10 + 010 + 5u + sizeof(1LL) + \'A\' - 65 + 1000000 / 1000000; }',
 'macros': '#define SQ(x) ((x) * (x))\n#define CAT(a, b) a ## b\n#define STR(x) #x\n#define N 3\n#if N > 2 && defined(N)\nint v = 1;\n#else\nint v = 2;\n#endif\nint main() { int xy = 4; return SQ(N + 1) + CAT(x, y) + sizeof(STR(abc)) + v; }',
 'declarators': 'int add(int a, int b) { return a + b; }\nint (*pick(void))(int, int) { return add; }\nint main() { int a[2][3] = {{1, 2, 3}, {4, 5, 6}}; int *p[2]; int (*q)[3] = a; int (*f[1])(int, int); p[1] = &a[1][2]; f[0] = add; return *p[1] + q[1][0] + f[0](2, 3) + pick()(10, 20) + sizeof(p) + sizeof(*q); }',
 'precedence': 'int main() { int a = 2, b = 3, c = 4; return a + b * c - (a << 2 | 1) + (c > b == 1) + (a & b ^ c) + (a ? b : c ? 9 : 8) + (a, b) + -a * -b % 5; }',
 'conversions': 'int main() { int r = 0; unsigned u = 1; int i = -1; char c = 200; short s = -2; long long ll = -1; if (i > u) r += 1; if (c > 100) r += 2; if (s < 0) r += 4; if (ll < u) r += 8; if ((unsigned char)(c + 100) == 44) r += 16; if (-1 / 2u > 1000) r += 32; return r; }',
 'pointer_arith': 'int main() { int a[10], i; int *p = a, *q = a + 7; char *s = "hello"; for (i = 0; i < 10; i++) a[i] = i * i; return (q - p) + *(p + 3) + q[-1] + (s + 4 - s) + *(s + 1) - 100 + (int)((char *)q - (char *)p); }',
 'binary_ops': 'int main() { int a = 100, b = 7; unsigned u = 0xF0000000u; return (a / b) + (a % b) + (a * b) % 50 + (a & b) + (a | b) + (a ^ b) + (a << 2) % 64 + (a >> 1) + (-a >> 2) % 10 + (u >> 28) + (a < b) + (a <= a) + (a == 100) + (a != b); }',
 'calls': 'int f(int a, int b, int c, int d, int e, int g, int h, int i, int j, int k) { return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * g + 7 * h + 8 * i + 9 * j + 10 * k; }\nint fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nlong long w(int a, long long b, int c) { return a + b + c; }\nint main() { return (f(1, 2, 3, 4, 5, 6, 7, 8, 9, 10) + fib(15) + (int)w(1, 2, 3)) % 256; }',
 'variadic': 'int printf(const char *fmt, ...);\n#include <stdarg.h>\nint sum(int n, ...) { va_list ap; int s = 0; va_start(ap, n); while (n--) s += va_arg(ap, int); va_end(ap); return s; }\nint main() { printf("%d %s %x %c %u\\n", -12, "ok", 255, 65, 7u); return sum(10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10); }',
 'control_flow': 'int main() { int i, j, n = 0; for (i = 0; i < 10; i++) { if (i == 8) break; if (i % 3 == 0) continue; n += i; } while (n < 100) n *= 2; do { n--; } while (n > 120); switch (n % 4) { case 0: n += 1; case 1: n += 2; break; default: n += 100; } for (i = 0; i < 3; i++) for (j = 0; j < 3; j++) if (i * j == 2) goto out; out: return n + i * 10 + j; }',
 'long_long': 'int main() { long long a = 123456789012LL, b = -987654321LL; unsigned long long u = 0xFFFFFFFFFFFFFFFFULL; int r = 0; if (a + b == 122469134691LL) r += 1; if (a - b == 124444443333LL) r += 2; if (a * 3 == 370370367036LL) r += 4; if (a / 7 == 17636684144LL) r += 8; if (a % 7 == 4) r += 16; if ((a << 3) == 987654312096LL) r += 32; if ((b >> 4) == -61728395LL) r += 64; if (u / 3 == 6148914691236517205ULL && b < a && (u >> 60) == 15) r += 128; return r; }',
 'structs': 'struct P { char c; int x; short s; }; union U { int i; char b[4]; };\nstruct L { int v; struct L *next; };\nint main() { struct P p = {1, 2, 3}; struct P q; union U u; struct L n2 = {5, 0}, n1 = {4, &n2}; q = p; u.i = 0x01020304; return sizeof(struct P) + q.x + q.s + u.b[0] + n1.next->v + sizeof(union U); }',
 'algo_queens': 'int cols[8], n;\nint ok(int r, int c) { int i; for (i = 0; i < r; i++) { int d = cols[i] - c; if (d == 0 || d == r - i || d == i - r) return 0; } return 1; }\nvoid solve(int r) { int c; if (r == 8) { n++; return; } for (c = 0; c < 8; c++) if (ok(r, c)) { cols[r] = c; solve(r + 1); } }\nint main() { solve(0); return n; }',
 'algo_sieve': 'int main() { char comp[2000]; int i, j, n = 0; for (i = 0; i < 2000; i++) comp[i] = 0; for (i = 2; i < 2000; i++) { if (comp[i]) continue; n++; for (j = i * i; j < 2000; j += i) comp[j] = 1; } return n % 256; }',
 'algo_sort_hash': 'unsigned h(int *a, int n) { unsigned x = 2166136261u; int i; for (i = 0; i < n; i++) x = (x ^ a[i]) * 16777619u; return x; }\nint main() { int a[64], i, j; unsigned s = 1; for (i = 0; i < 64; i++) { s = s * 1103515245u + 12345u; a[i] = (s >> 16) % 1000; } for (i = 1; i < 64; i++) { int t = a[i]; for (j = i - 1; j >= 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t; } return h(a, 64) % 251; }',
}

ENCODINGS = ['addi a0, a0, 1', 'addi sp, sp, -16', 'add a0, a1, a2', 'sub t0, t1, t2', 'sll a0, a0, a1', 'sra a0, a0, a1',
             'slt a0, a1, a2', 'sltu a0, a1, a2', 'xor a0, a0, a1', 'or a0, a0, a1', 'and a0, a0, a1', 'srl a0, a0, a1',
             'lw a0, 8(sp)', 'lh a0, -2(s0)', 'lbu a0, 0(a0)', 'lhu t0, 6(a1)', 'lb a1, 2047(a2)',
             'sw ra, 12(sp)', 'sh a0, -2(s0)', 'sb a0, -1(s0)', 'sw a1, -2048(t0)',
             'lui a0, 0x12345', 'auipc t0, 0xfffff', 'slli a0, a0, 3', 'srli a0, a0, 31', 'srai a0, a0, 3',
             'slti a0, a0, -5', 'sltiu a0, a0, 1', 'xori a0, a0, -1', 'ori a0, a0, 255', 'andi a0, a0, 255',
             'mul a0, a0, a1', 'mulh a0, a1, a2', 'mulhsu a0, a1, a2', 'mulhu a0, a1, a2', 'div a0, a1, a2',
             'divu a0, a1, a2', 'rem a0, a1, a2', 'remu a0, a1, a2', 'jalr ra, 0(t3)', 'jalr zero, 0(ra)', 'ecall']
BRANCHES = ['beq a0, a1, L', 'bne a0, zero, L', 'blt a0, a1, L', 'bge a0, a1, L', 'bltu a0, a1, L', 'bgeu a0, a1, L', 'jal ra, L', 'jal zero, L']

def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)

def main():
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp()
    rt = os.path.join(tmp, 'runtime.s')
    subprocess.run([CT, '--runtime-asm', rt], check=True)
    programs, elfs = [], []
    for name, src in PROGRAMS.items():
        c = os.path.join(tmp, name + '.c')
        open(c, 'w').write(src + '\n')
        exe = os.path.join(tmp, name + '.elf')
        subprocess.run(GCC + ['-O0', c, rt, '-lgcc', '-o', exe], check=True)
        r = run(['qemu-riscv32', exe])
        programs.append({'name': name, 'source': src + '\n', 'exit': r.returncode, 'stdout': r.stdout})
        if name.startswith('algo_') or name in ('long_long', 'calls', 'binary_ops'):
            exe2 = os.path.join(tmp, name + '-O2.elf')
            subprocess.run(GCC + ['-O2', c, rt, '-lgcc', '-o', exe2], check=True)
            r2 = run(['qemu-riscv32', exe2])
            elfs.append({'name': name + '-O2', 'exit': r2.returncode, 'elf_base64': base64.b64encode(open(exe2, 'rb').read()).decode()})
        if name.startswith('algo_'):
            elfs.append({'name': name + '-O0', 'exit': r.returncode, 'elf_base64': base64.b64encode(open(exe, 'rb').read()).decode()})
    asm = os.path.join(tmp, 'enc.s')
    lines = ENCODINGS + ['L:'] + ['nop'] * 7 + BRANCHES
    open(asm, 'w').write('\n'.join(lines) + '\n')
    subprocess.run(['riscv64-unknown-elf-as', '-march=rv32im', '-mabi=ilp32', '-mno-relax', asm, '-o', asm + '.o'], check=True)
    words = []
    for line in run(['riscv64-unknown-elf-objdump', '-d', asm + '.o']).stdout.splitlines():
        parts = line.split('\t')
        if len(parts) >= 3 and parts[0].strip().endswith(':'):
            words.append(int(parts[1].strip(), 16))
    pcs = [4 * i for i in range(len(words))]
    enc = [{'asm': a, 'pc': pc, 'word': w} for a, pc, w in zip(ENCODINGS + ['nop'] * 7 + BRANCHES, pcs, words)]
    label = 4 * len(ENCODINGS)
    for e in enc: e['label'] = label
    json.dump(programs, open(os.path.join(OUT, 'programs.json'), 'w'), indent=1)
    json.dump(elfs, open(os.path.join(OUT, 'gcc_elfs.json'), 'w'), indent=1)
    json.dump(enc, open(os.path.join(OUT, 'encodings.json'), 'w'), indent=1)
    print(len(programs), 'programs,', len(elfs), 'gcc executables,', len(enc), 'encodings')

main()
