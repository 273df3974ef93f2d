import AdapterHost
import Foundation

extension AdapterChecker {
    /// The file, its entry symbol, ABI negotiation, and the host's own load checks.
    func checkLoading(_ image: [UInt8]) {
        let elfOK = item("file.elf", "a complete ELF shared library for this machine") {
            let problem = image.withUnsafeBytes { ELFCheck.problem($0) }
            return problem.map { .fail($0) } ?? .pass("\(image.count) bytes, sha256 \(report.sha256.prefix(16))…")
        }
        guard elfOK == .pass else { return }

        let entryOK = item("entry.symbol", "exports the function gateway_plugin_entry") {
            switch ELFSymbols.kind(of: "gateway_plugin_entry", in: image) {
            case .function: return .pass()
            case .data: return .fail("gateway_plugin_entry is a data symbol; it must be a function (calling it would crash the gateway)")
            case .undefined: return .fail("gateway_plugin_entry is referenced but not defined in this library")
            case .missing: return .fail("no exported symbol gateway_plugin_entry (is it static, hidden, or C++-mangled? declare it extern \"C\" with default visibility)")
            case .unknown:
                return .pass("the dynamic symbol table could not be read; the loader will look the symbol up")
            }
        }
        guard entryOK == .pass else { return }

        let futureMajor: UInt32 = (HostABI.major + 1) << 16
        item("abi.refuses-unknown-major", "answers NULL to a host ABI major it does not support") {
            switch probe(image, futureMajor) {
            case .failure(let reason): return .fail(reason.text)
            case .success(.refused): return .pass("entry(\(HostABI.major + 1).0) returned NULL")
            case .success(.descriptor(let abi, _)):
                return .fail("entry(\(HostABI.major + 1).0) returned a descriptor (abi_version \(abi >> 16).\(abi & 0xFFFF)); "
                    + "an adapter must return NULL when GW_ABI_VERSION_MAJOR(host_abi_version) is not a major it supports")
            }
        }
        item("abi.accepts-newer-minor", "loads in a host with a newer minor version (1.x adapters work in every 1.y host)") {
            let newerMinor = HostABI.major << 16 | 0xFFFF
            switch probe(image, newerMinor) {
            case .failure(let reason): return .fail(reason.text)
            case .success(.refused):
                return .fail("entry(\(HostABI.major).65535) returned NULL; compare only the major: GW_ABI_VERSION_MAJOR(host_abi_version) != GW_ABI_MAJOR")
            case .success(.descriptor): return .pass()
            }
        }

        item("abi.negotiation", "entry(host ABI) returns a descriptor the host accepts") {
            do throws(AdapterLoadError) {
                adapter = try LoadedAdapter.load(image: image, file: file, log: log.closure)
            } catch {
                return .fail(error.reason)
            }
            guard let adapter else { return .fail("no adapter") }
            let minor = adapter.abiVersion & 0xFFFF
            if minor > HostABI.minor {
                return .warn("built against ABI \(adapter.abiVersionString), newer than this host's \(HostABI.major).\(HostABI.minor): "
                    + "it loads, but fields and output kinds of later minors are ignored")
            }
            return .pass("\(adapter.name) \(adapter.version), ABI \(adapter.abiVersionString)")
        }
    }

    private func probe(_ image: [UInt8], _ version: UInt32) -> Result<LoadedAdapter.EntryAnswer, Reason> {
        do throws(AdapterLoadError) {
            return .success(try LoadedAdapter.probeEntry(image: image, file: file, hostVersion: version, log: log.closure))
        } catch {
            return .failure(Reason(error.reason))
        }
    }

    /// Descriptor fields beyond what the host needs to load it.
    func checkDescriptor(_ adapter: LoadedAdapter) {
        item("descriptor.struct-size", "struct_size covers every ABI 1.0 callback") {
            let abi = adapter.abiVersion, size = adapter.descriptorSize
            if Int(size) < HostABI.descriptorV1Size {
                return .fail("struct_size \(size) is smaller than GW_DESCRIPTOR_V1_0_SIZE (\(HostABI.descriptorV1Size))")
            }
            if abi & 0xFFFF == 0, Int(size) != HostABI.descriptorV1Size {
                return .warn("struct_size \(size) for an ABI 1.0 descriptor (sizeof(gw_plugin_descriptor) is \(HostABI.descriptorV1Size)); set it to sizeof(gw_plugin_descriptor)")
            }
            return .pass("struct_size \(size)")
        }
        item("descriptor.version", "version is a semantic version (hot-loading compares versions)") {
            SemanticVersionCheck.isValid(adapter.version)
                ? .pass(adapter.version)
                : .fail("\"\(adapter.version)\" is not MAJOR.MINOR.PATCH[-PRE][+BUILD]; the gateway can only replace a loaded adapter with a newer semantic version")
        }
        item("descriptor.capabilities", "capability bits are known ones", required: false) {
            let known: UInt64 = 0b11111
            let unknown = adapter.capabilities & ~known
            return unknown == 0 ? .pass(adapter.capabilityNames.joined(separator: ", "))
                : .warn("unknown capability bits 0x\(String(unknown, radix: 16)) (a later ABI minor may give them a meaning)")
        }
        item("descriptor.default-base-url", "default_base_url is an http(s) URL without a trailing slash", required: false) {
            guard let url = adapter.defaultBaseURL else { return .pass("none (admins must enter a base URL)") }
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else { return .warn("\(url) is not an http(s) URL") }
            if url.hasSuffix("/") { return .warn("\(url) ends with '/': paths the adapter emits start with '/'") }
            return .pass(url)
        }
    }
}

/// Semantic versioning as the registry reads it (`MAJOR.MINOR.PATCH[-PRE][+BUILD]`, optional leading `v`).
enum SemanticVersionCheck {
    static func isValid(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "v" { rest = rest.dropFirst() }
        if let plus = rest.firstIndex(of: "+") { rest = rest[..<plus] }
        if let dash = rest.firstIndex(of: "-") {
            let pre = rest[rest.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false)
            guard !pre.isEmpty, pre.allSatisfy({ !$0.isEmpty }) else { return false }
            rest = rest[..<dash]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }
}

/// Reads the dynamic symbol table of an ELF64 shared library.
enum ELFSymbols {
    enum Kind { case function, data, undefined, missing, unknown }

    static func kind(of symbol: String, in image: [UInt8]) -> Kind {
        image.withUnsafeBytes { raw -> Kind in
            func u16(_ o: Int) -> Int { Int(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
            func u32(_ o: Int) -> Int { Int(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
            func u64(_ o: Int) -> Int { Int(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
            let size = raw.count
            guard size >= 64 else { return .unknown }
            let shoff = u64(40), shentsize = u16(58), shnum = u16(60)
            guard shoff > 0, shentsize >= 64, shoff + shentsize * shnum <= size else { return .unknown }
            let wanted = Array(symbol.utf8)
            for i in 0..<shnum {
                let section = shoff + i * shentsize
                guard u32(section + 4) == 11 else { continue }  // SHT_DYNSYM
                let offset = u64(section + 24), length = u64(section + 32), link = u32(section + 40), entsize = u64(section + 56)
                guard entsize >= 24, link < shnum, offset + length <= size else { return .unknown }
                let strtab = shoff + link * shentsize
                let strOffset = u64(strtab + 24), strLength = u64(strtab + 32)
                guard strOffset + strLength <= size else { return .unknown }
                var index = 0
                while index + entsize <= length {
                    let entry = offset + index
                    index += entsize
                    let nameOffset = u32(entry)
                    guard nameOffset < strLength else { continue }
                    let start = strOffset + nameOffset
                    var matches = start + wanted.count < strOffset + strLength
                    if matches {
                        for (k, byte) in wanted.enumerated() where raw[start + k] != byte {
                            matches = false
                            break
                        }
                        matches = matches && raw[start + wanted.count] == 0
                    }
                    guard matches else { continue }
                    let info = Int(raw[entry + 4])
                    let sectionIndex = u16(entry + 6)
                    if sectionIndex == 0 { return .undefined }
                    let type = info & 0xF
                    return type == 2 || type == 10 ? .function : .data  // STT_FUNC, STT_GNU_IFUNC
                }
                return .missing
            }
            return .unknown
        }
    }
}
