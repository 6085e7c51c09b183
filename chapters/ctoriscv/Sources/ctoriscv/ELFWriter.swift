// The ELF32 writer: one loadable segment (headers, text, data; bss as memory only).
//
// An ELF executable needs only two headers to run: the ELF header says "32-bit,
// little-endian, RISC-V, start here" and a program header says "map these file bytes at
// this address". Section headers are for linkers and debuggers; we write none.

/// Appends `v` little-endian in `n` bytes.
func appendLE(_ out: inout [UInt8], _ v: Int64, _ n: Int) {
    for k in 0..<n { out.append(UInt8(truncatingIfNeeded: v >> (8 * Int64(k)))) }
}

/// `image` is the memory from `base`; its first 0x60 bytes are replaced by the headers.
func writeELF(image: [UInt8], base: Int64, memorySize: Int64, entry: Int64) -> [UInt8] {
    let h = elfHeaders(fileSize: image.count, base: base, memorySize: memorySize, entry: entry)
    var out = image
    for (i, b) in h.enumerated() where i < out.count { out[i] = b }
    return out
}

/// The 52-byte ELF header followed by one 32-byte PT_LOAD program header mapping the whole
/// file (`fileSize` bytes) at `base`, `memorySize` bytes in memory, entered at `entry`.
func elfHeaders(fileSize: Int, base: Int64, memorySize: Int64, entry: Int64) -> [UInt8] {
    // BEGIN SOLUTION ctoriscv.13: write the ELF header and the one PT_LOAD program header
    var h: [UInt8] = []
    h += [0x7F, 0x45, 0x4C, 0x46, 1, 1, 1, 0] + [UInt8](repeating: 0, count: 8)   // magic, 32-bit, LE, version 1, SysV
    appendLE(&h, 2, 2)            // e_type: ET_EXEC
    appendLE(&h, 243, 2)          // e_machine: EM_RISCV
    appendLE(&h, 1, 4)            // e_version
    appendLE(&h, entry, 4)        // e_entry
    appendLE(&h, 52, 4)           // e_phoff: right after this header
    appendLE(&h, 0, 4)            // e_shoff: no section headers
    appendLE(&h, 0, 4)            // e_flags: no compressed instructions, soft float
    appendLE(&h, 52, 2)           // e_ehsize
    appendLE(&h, 32, 2)           // e_phentsize
    appendLE(&h, 1, 2)            // e_phnum
    appendLE(&h, 40, 2)           // e_shentsize
    appendLE(&h, 0, 2)            // e_shnum
    appendLE(&h, 0, 2)            // e_shstrndx
    appendLE(&h, 1, 4)            // p_type: PT_LOAD
    appendLE(&h, 0, 4)            // p_offset
    appendLE(&h, base, 4)         // p_vaddr
    appendLE(&h, base, 4)         // p_paddr
    appendLE(&h, Int64(fileSize), 4)      // p_filesz
    appendLE(&h, memorySize, 4)   // p_memsz (includes .bss)
    appendLE(&h, 7, 4)            // p_flags: read, write, execute
    appendLE(&h, 0x1000, 4)       // p_align
    return h
    // END SOLUTION ctoriscv.13
}
