/// A look at an adapter file's ELF headers before it is handed to `dlopen`.
///
/// `dlopen` validates the headers it reads, but not that every segment lies inside the file: a file that is still
/// being copied into `plugins.d/` can map, and then crash the process with SIGBUS when the loader touches the
/// missing pages. Checking the sizes first turns that into a refusal with a reason, and gives clearer reasons than
/// `dlerror()` for the usual mistakes (an executable, another CPU architecture, a 32-bit build).
package enum ELFCheck {
    /// `nil` when `image` looks like a complete ELF shared library for this machine, else the reason it is not.
    package static func problem(_ image: UnsafeRawBufferPointer) -> String? {
        guard image.count >= 64 else {
            return image.isEmpty ? "the file is empty" : "the file is too short (\(image.count) bytes) to be a shared library"
        }
        guard image[0] == 0x7F, image[1] == UInt8(ascii: "E"), image[2] == UInt8(ascii: "L"), image[3] == UInt8(ascii: "F") else {
            return "not an ELF file (no ELF magic number); build it with `cc -shared -fPIC` or as a dynamic library product"
        }
        guard image[4] == 2 else { return "a 32-bit ELF file; this gateway loads 64-bit libraries" }
        guard image[5] == 1 else { return "a big-endian ELF file; this gateway runs little-endian" }

        func u16(_ offset: Int) -> Int { Int(image.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
        func u32(_ offset: Int) -> UInt32 { image.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        func u64(_ offset: Int) -> UInt64 { image.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }

        let type = u16(16)
        guard type == 3 else {  // ET_DYN
            let what = type == 2 ? "an executable" : type == 1 ? "an object file (.o)" : "ELF type \(type)"
            return "\(what), not a shared library; link it with -shared"
        }
        let machine = u16(18)
        if let expected = hostMachine, machine != expected {
            return "built for \(machineName(machine)), this gateway runs on \(machineName(expected))"
        }
        let size = UInt64(image.count)
        let phoff = u64(32), shoff = u64(40)
        let phentsize = UInt64(u16(54)), phnum = UInt64(u16(56))
        let shentsize = UInt64(u16(58)), shnum = UInt64(u16(60))
        guard phnum > 0, phentsize >= 56, phoff < size, phentsize * phnum <= size - phoff else {
            return "the program headers lie outside the file: it is truncated or damaged"
        }
        for i in 0..<phnum {
            let header = Int(phoff + i * phentsize)
            guard u32(header) == 1 else { continue }  // PT_LOAD
            let offset = u64(header + 8), fileSize = u64(header + 32)
            guard offset <= size, fileSize <= size - offset else {
                return "the file is truncated: a segment ends at byte \(offset &+ fileSize) of \(size) (was it copied completely?)"
            }
        }
        if shoff != 0, shnum > 0 {
            guard shoff <= size, shentsize * shnum <= size - shoff else {
                return "the file is truncated: its section headers end past byte \(size) (was it copied completely?)"
            }
        }
        return nil
    }

    /// `e_machine` of this process.
    static var hostMachine: Int? {
        #if arch(x86_64)
        return 62
        #elseif arch(arm64)
        return 183
        #elseif arch(riscv64)
        return 243
        #else
        return nil
        #endif
    }

    static func machineName(_ machine: Int) -> String {
        switch machine {
        case 3: return "x86 (32-bit)"
        case 40: return "ARM (32-bit)"
        case 62: return "x86_64"
        case 183: return "aarch64"
        case 243: return "riscv64"
        default: return "machine type \(machine)"
        }
    }
}
