#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import PluginAPI
import Synchronization

/// An adapter shared library that passed every check and is ready to create provider instances.
///
/// - Important: a loaded library is never `dlclose`d. Swift-written adapters register runtime metadata
///   (type metadata, protocol conformances) with the process-wide Swift runtime when they are mapped, and
///   unmapping them would leave dangling records behind; C adapters may keep the host table pointer, which
///   is also valid "until process exit". A newer version of an adapter is a second, separately mapped copy
///   (see ``PrivateImage``); the older one is *retired*: it stops getting new work, and its last instance is
///   destroyed when the last request using it ends, but its code stays mapped. Files refused after `dlopen`
///   succeeded stay mapped for the same reason.
///
/// Thread safety: immutable after `load` apart from its atomic use counters; safe to share (`@unchecked`
/// because it holds C pointers).
public final class LoadedAdapter: @unchecked Sendable {
    /// The path it was loaded from.
    public let file: String
    /// The unique adapter name, `[a-z0-9_-]{1,32}`.
    public let name: String
    public let version: String
    public let displayName: String
    public let defaultBaseURL: String?
    /// The `GW_ABI_VERSION` the adapter was compiled against.
    public let abiVersion: UInt32
    /// `GW_CAP_*` bits.
    public let capabilities: UInt64
    /// The descriptor's `struct_size`.
    public let descriptorSize: UInt32

    /// The set capability bits by name, in bit order: "streaming", "tools", "reasoning", "vision", "json_mode".
    public var capabilityNames: [String] {
        LoadedAdapter.capabilityBits.compactMap { capabilities & $0.bit != 0 ? $0.name : nil }
    }

    /// "major.minor" of ``abiVersion``, e.g. "1.0".
    public var abiVersionString: String { "\(abiVersion >> 16).\(abiVersion & 0xFFFF)" }

    package let callbacks: Callbacks
    let log: @Sendable (AdapterLogLevel, String) -> Void
    private let handle: UnsafeMutableRawPointer
    private let uses = Atomic<Int>(0)
    private let liveInstances = Atomic<Int>(0)
    private let releaseHook = Mutex<(@Sendable () -> Void)?>(nil)

    /// Requests being answered with this adapter right now (open ``AdapterLease``s).
    public var inUse: Int { uses.load(ordering: .relaxed) }

    /// Provider instances created from this adapter and not yet destroyed.
    public var instanceCount: Int { liveInstances.load(ordering: .relaxed) }

    /// An exported symbol of this loaded copy of the library (tests read counters that C fixtures export; a
    /// `dlopen` of the file by path would map another copy).
    package func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, name) }

    /// Counts one request as using this adapter until the lease ends (``AdapterLease/end()`` or its deinit).
    public func beginUse() -> AdapterLease { AdapterLease(adapter: self) }

    func leaseStarted() { uses.add(1, ordering: .relaxed) }
    func leaseEnded() { uses.subtract(1, ordering: .relaxed) }
    func instanceCreated() { liveInstances.add(1, ordering: .relaxed) }
    func instanceDestroyed() { liveInstances.subtract(1, ordering: .relaxed) }

    /// Runs `hook` when this object is released, i.e. when nothing uses this version any more (no instance, no
    /// lease, no registry entry). The registry uses it to log that a retired version went idle.
    public func onRelease(_ hook: @escaping @Sendable () -> Void) {
        releaseHook.withLock { $0 = hook }
    }

    deinit {
        releaseHook.withLock { $0 }?()
    }

    static let capabilityBits: [(bit: UInt64, name: String)] = [
        (UInt64(GW_CAP_STREAMING), "streaming"), (UInt64(GW_CAP_TOOLS), "tools"), (UInt64(GW_CAP_REASONING), "reasoning"),
        (UInt64(GW_CAP_VISION), "vision"), (UInt64(GW_CAP_JSON_MODE), "json_mode"),
    ]

    /// The descriptor's callbacks, checked to be non-NULL.
    package struct Callbacks {
        package typealias Error = UnsafeMutablePointer<gw_error>?
        package typealias Context = UnsafeMutableRawPointer?
        package typealias Request = UnsafePointer<gw_request>?
        package typealias Response = UnsafePointer<gw_response>?

        package let createInstance: @convention(c) (UnsafePointer<gw_instance_config>?, UnsafeMutablePointer<OpaquePointer?>?, Error) -> gw_status
        package let destroyInstance: @convention(c) (OpaquePointer?) -> Void
        package let translateRequest: @convention(c) (OpaquePointer?, Request, gw_emit_fn?, Context, Error) -> gw_status
        package let translateResponse: @convention(c) (OpaquePointer?, Request, Response, gw_emit_fn?, Context, Error) -> gw_status
        package let translateError: @convention(c) (OpaquePointer?, Request, Response, gw_emit_fn?, Context, Error) -> gw_status
        package let createStream: @convention(c) (OpaquePointer?, Request, UnsafeMutablePointer<OpaquePointer?>?, Error) -> gw_status
        package let feedStream: @convention(c) (OpaquePointer?, gw_str, gw_emit_fn?, Context, Error) -> gw_status
        package let finishStream: @convention(c) (OpaquePointer?, gw_emit_fn?, Context, Error) -> gw_status
        package let destroyStream: @convention(c) (OpaquePointer?) -> Void
    }

    private init(file: String, name: String, version: String, displayName: String, defaultBaseURL: String?,
                 abiVersion: UInt32, capabilities: UInt64, descriptorSize: UInt32, callbacks: Callbacks,
                 handle: UnsafeMutableRawPointer, log: @escaping @Sendable (AdapterLogLevel, String) -> Void) {
        self.file = file
        self.name = name
        self.version = version
        self.displayName = displayName
        self.defaultBaseURL = defaultBaseURL
        self.abiVersion = abiVersion
        self.capabilities = capabilities
        self.descriptorSize = descriptorSize
        self.callbacks = callbacks
        self.handle = handle
        self.log = log
    }

    /// Serialises loads: the ABI promises adapters that their entry function runs on one thread at a time.
    private static let loadLock = Mutex(())

    /// Reads `path` and loads it with ``load(image:file:log:)``.
    /// - Parameters:
    ///   - path: the shared library.
    ///   - log: receives the adapter's own log lines (prefixed with its name) and the host's notes about it.
    /// - Throws: ``AdapterLoadError`` with a one-line reason when the file cannot be used.
    public static func load(
        path: String, log: @escaping @Sendable (AdapterLogLevel, String) -> Void
    ) throws(AdapterLoadError) -> LoadedAdapter {
        let image: [UInt8]
        do throws(AdapterLoadErrorReason) {
            image = try readFile(path)
        } catch {
            throw AdapterLoadError(file: path, reason: error.text)
        }
        return try load(image: image, file: path, log: log)
    }

    /// Loads the library whose bytes are `image` (read from `file`): checks its ELF headers, maps a private copy
    /// (``PrivateImage``) with `RTLD_NOW | RTLD_LOCAL`, calls its entry function with this host's ABI version and a
    /// host table, and validates the descriptor it returns. Every call maps a new copy, so the same bytes loaded
    /// twice are two independent adapters with their own static state.
    /// - Throws: ``AdapterLoadError`` naming `file`, with a one-line reason.
    public static func load(
        image: [UInt8], file: String, log: @escaping @Sendable (AdapterLogLevel, String) -> Void
    ) throws(AdapterLoadError) -> LoadedAdapter {
        let result: Result<LoadedAdapter, AdapterLoadError> = loadLock.withLock { _ in
            do throws(AdapterLoadError) {
                let handle = try openPrivateCopy(image: image, file: file)
                do throws(AdapterLoadError) {
                    return .success(try loadLocked(handle: handle, path: file, log: log))
                } catch {
                    var refused = error
                    refused.stayedMapped = true
                    return .failure(refused)
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// What an entry function answered to one host ABI version.
    package enum EntryAnswer: Sendable {
        /// It returned NULL (refused the version).
        case refused
        /// It returned a descriptor claiming this `abi_version` and `struct_size`.
        case descriptor(abiVersion: UInt32, structSize: UInt32)
    }

    /// Maps a fresh private copy of `image` and asks its entry function about `hostVersion`, without validating
    /// anything else. Each probe is a separate load, so the adapter's "entry runs once per load" rule holds.
    /// - Throws: ``AdapterLoadError`` when the library cannot be opened or has no entry symbol.
    package static func probeEntry(
        image: [UInt8], file: String, hostVersion: UInt32, log: @escaping @Sendable (AdapterLogLevel, String) -> Void
    ) throws(AdapterLoadError) -> EntryAnswer {
        let result: Result<EntryAnswer, AdapterLoadError> = loadLock.withLock { _ in
            do throws(AdapterLoadError) {
                let handle = try openPrivateCopy(image: image, file: file)
                guard let symbol = dlsym(handle, GW_ENTRY_SYMBOL) else {
                    throw AdapterLoadError(file: file, reason: "no symbol \(GW_ENTRY_SYMBOL)")
                }
                let entry = unsafeBitCast(symbol, to: gw_plugin_entry_fn.self)
                let (_, table) = HostContext.makeTable(tag: fileName(file), log: log)
                guard let descriptor = entry(hostVersion, table) else { return .success(.refused) }
                let raw = UnsafeRawPointer(descriptor)
                return .success(.descriptor(abiVersion: raw.load(fromByteOffset: 4, as: UInt32.self),
                                            structSize: raw.load(fromByteOffset: 0, as: UInt32.self)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Checks the ELF headers and `dlopen`s a private copy of `image`.
    private static func openPrivateCopy(image: [UInt8], file: String) throws(AdapterLoadError) -> UnsafeMutableRawPointer {
        func refuse(_ reason: String) -> AdapterLoadError { AdapterLoadError(file: file, reason: reason) }
        // withUnsafeBytes does not carry typed throws through its closure, so the outcome travels as a Result.
        let outcome: Result<PrivateImage.Copy, AdapterLoadErrorReason> = image.withUnsafeBytes { raw in
            if let problem = ELFCheck.problem(raw) { return .failure(AdapterLoadErrorReason(problem)) }
            do throws(AdapterLoadErrorReason) {
                return .success(try PrivateImage.copy(raw, name: fileName(file)))
            } catch {
                return .failure(error)
            }
        }
        let copy: PrivateImage.Copy
        switch outcome {
        case .success(let value): copy = value
        case .failure(let error): throw refuse(error.text)
        }
        _ = dlerror()
        guard let handle = dlopen(copy.path, RTLD_NOW | RTLD_LOCAL) else {
            var message = dlerror().map { String(cString: $0) } ?? "unknown error"
            // dlerror names the private copy; the admin knows the file by its real name.
            message = message.replacing(copy.path, with: fileName(file))
            copy.discard()
            throw refuse("dlopen failed: \(message)")
        }
        copy.loaded()
        return handle
    }

    /// The whole file, or a reason.
    static func readFile(_ path: String) throws(AdapterLoadErrorReason) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AdapterLoadErrorReason("cannot open the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AdapterLoadErrorReason("cannot read the file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maximumFileSize {
                throw AdapterLoadErrorReason("the file is larger than \(maximumFileSize >> 20) MiB")
            }
        }
    }

    /// Largest adapter file the host reads (a debug build of a Swift adapter is a few MiB).
    static let maximumFileSize = 512 << 20

    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    private static func loadLocked(
        handle: UnsafeMutableRawPointer, path: String, log: @escaping @Sendable (AdapterLogLevel, String) -> Void
    ) throws(AdapterLoadError) -> LoadedAdapter {
        func refuse(_ reason: String) -> AdapterLoadError { AdapterLoadError(file: path, reason: reason) }

        guard let symbol = dlsym(handle, GW_ENTRY_SYMBOL) else {
            throw refuse("no symbol \(GW_ENTRY_SYMBOL)")
        }
        let entry = unsafeBitCast(symbol, to: gw_plugin_entry_fn.self)
        let (context, table) = HostContext.makeTable(tag: fileName(path), log: log)

        guard let descriptor = entry(HostABI.version, table) else {
            throw refuse("adapter does not support host ABI major \(HostABI.major) (entry returned NULL)")
        }
        guard Int(bitPattern: descriptor) % MemoryLayout<gw_plugin_descriptor>.alignment == 0 else {
            throw refuse("descriptor pointer is misaligned")
        }
        let raw = UnsafeRawPointer(descriptor)
        let structSize = raw.load(fromByteOffset: 0, as: UInt32.self)
        let abi = raw.load(fromByteOffset: 4, as: UInt32.self)
        guard abi >> 16 == HostABI.major else {
            throw refuse("descriptor abi_version \(abi >> 16).\(abi & 0xFFFF) has major \(abi >> 16), host speaks \(HostABI.major)")
        }
        guard Int(structSize) >= HostABI.descriptorV1Size else {
            throw refuse("descriptor struct_size \(structSize) is smaller than the ABI 1.0 size \(HostABI.descriptorV1Size)")
        }
        // struct_size covers every ABI 1.0 field, so reading the 1.0 struct is in bounds; later fields are unused.
        let d = descriptor.pointee

        let callbacks: Callbacks
        do {
            func need<T>(_ value: T?, _ name: String) throws(AdapterLoadError) -> T {
                guard let value else { throw refuse("missing callback \(name)") }
                return value
            }
            callbacks = Callbacks(
                createInstance: try need(d.create_instance, "create_instance"),
                destroyInstance: try need(d.destroy_instance, "destroy_instance"),
                translateRequest: try need(d.translate_request, "translate_request"),
                translateResponse: try need(d.translate_response, "translate_response"),
                translateError: try need(d.translate_error, "translate_error"),
                createStream: try need(d.create_stream, "create_stream"),
                feedStream: try need(d.feed_stream, "feed_stream"),
                finishStream: try need(d.finish_stream, "finish_stream"),
                destroyStream: try need(d.destroy_stream, "destroy_stream"))
        }

        guard let nameBytes = boundedCString(d.name, max: 32), !nameBytes.isEmpty,
              nameBytes.allSatisfy(isNameByte), let name = String(validating: nameBytes, as: UTF8.self) else {
            throw refuse("invalid adapter name (it must match [a-z0-9_-]{1,32})")
        }
        guard let versionBytes = boundedCString(d.version, max: 64), !versionBytes.isEmpty,
              versionBytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }),
              let version = String(validating: versionBytes, as: UTF8.self) else {
            throw refuse("invalid adapter version (it must be non-empty UTF-8 text of at most 64 bytes)")
        }
        var displayName = name
        if d.display_name != nil {
            guard let bytes = boundedCString(d.display_name, max: 128), bytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }),
                  let text = String(validating: bytes, as: UTF8.self) else {
                throw refuse("invalid display_name (it must be UTF-8 text of at most 128 bytes)")
            }
            if !text.isEmpty { displayName = text }
        }
        var defaultBaseURL: String?
        if d.default_base_url != nil {
            guard let bytes = boundedCString(d.default_base_url, max: 2048), bytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F }),
                  let text = String(validating: bytes, as: UTF8.self) else {
                throw refuse("invalid default_base_url (it must be a URL of at most 2048 bytes without spaces)")
            }
            defaultBaseURL = text.isEmpty ? nil : text
        }

        context.tag.withLock { $0 = name }
        let adapter = LoadedAdapter(
            file: path, name: name, version: version, displayName: displayName, defaultBaseURL: defaultBaseURL,
            abiVersion: abi, capabilities: d.capabilities, descriptorSize: structSize, callbacks: callbacks, handle: handle, log: log)
        return adapter
    }

    /// The bytes of a NUL-terminated string, reading at most `max + 1` bytes; nil when NULL or longer.
    static func boundedCString(_ p: UnsafePointer<CChar>?, max: Int) -> [UInt8]? {
        guard let p else { return nil }
        let raw = UnsafeRawPointer(p)
        var bytes: [UInt8] = []
        for i in 0...max {
            let c = raw.load(fromByteOffset: i, as: UInt8.self)
            if c == 0 { return bytes }
            bytes.append(c)
        }
        return nil
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    /// Creates a provider instance.
    /// - Parameters:
    ///   - baseURL: the upstream base URL (no trailing '/').
    ///   - apiKey: the provider credential; passed to the adapter only.
    ///   - optionsJSON: adapter-specific options, a JSON object ("{}" when none).
    /// - Throws: ``AdapterCallError`` with the adapter's status (usually `GW_ERR_CONFIG`) and message.
    public func makeInstance(
        baseURL: String, apiKey: String, optionsJSON: String
    ) throws(AdapterCallError) -> AdapterInstance {
        try makeInstanceObserved(baseURL: baseURL, apiKey: apiKey, optionsJSON: optionsJSON).result.get()
    }

    /// ``makeInstance(baseURL:apiKey:optionsJSON:)``, also telling whether a failed `create_instance` broke the rule
    /// to leave `*out` NULL (the conformance checker reports it).
    package func makeInstanceObserved(
        baseURL: String, apiKey: String, optionsJSON: String
    ) -> (result: Result<AdapterInstance, AdapterCallError>, failureLeftOutput: Bool) {
        var base = baseURL, key = apiKey, options = optionsJSON.isEmpty ? "{}" : optionsJSON
        var error = gw_error()
        var out: OpaquePointer?
        let status: gw_status = base.withUTF8 { b in
            key.withUTF8 { k in
                options.withUTF8 { o in
                    var config = gw_instance_config(
                        struct_size: UInt32(MemoryLayout<gw_instance_config>.size), reserved: 0,
                        base_url: gwStr(b), api_key: gwStr(k), options_json: gwStr(o))
                    return callbacks.createInstance(&config, &out, &error)
                }
            }
        }
        guard status == gw_status(GW_OK) else {
            // A failed create must leave *out NULL; if it did not, the pointer is not trusted (never destroyed).
            let failure = AdapterCallError(status: status, message: errorMessage(&error, call: "create_instance", status: status))
            return (.failure(failure), out != nil)
        }
        guard let out else {
            return (.failure(AdapterCallError(
                status: AdapterCallError.internalStatus,
                message: "adapter \(name) returned GW_OK from create_instance but no instance")), false)
        }
        return (.success(AdapterInstance(adapter: self, pointer: out)), false)
    }

    /// The message of a filled `gw_error` (bounded, repaired UTF-8), or a generic one when empty.
    func errorMessage(_ error: inout gw_error, call: String, status: gw_status) -> String {
        let text: String = withUnsafeBytes(of: &error.message) { raw in
            let end = raw.firstIndex(of: 0) ?? raw.count
            return String(decoding: raw[..<end].map { $0 < 0x20 ? 0x20 : $0 }, as: UTF8.self)
        }
        if !text.isEmpty { return text }
        return "adapter \(name) failed in \(call) with \(AdapterCallError.statusName(status))"
    }
}

/// A gw_str over borrowed UTF-8.
func gwStr(_ b: UnsafeBufferPointer<UInt8>) -> gw_str {
    gw_str(ptr: UnsafeRawPointer(b.baseAddress)?.assumingMemoryBound(to: CChar.self), len: b.count)
}

/// A gw_str over borrowed raw bytes.
func gwStr(_ b: UnsafeRawBufferPointer) -> gw_str {
    gw_str(ptr: b.baseAddress?.assumingMemoryBound(to: CChar.self), len: b.count)
}
