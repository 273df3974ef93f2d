#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The host never maps an adapter file from `plugins.d/` itself: it maps a private copy of its bytes.
///
/// Why: `dlopen` deduplicates by path and by inode, so a file replaced at the same path would come back as the
/// library already loaded (no hot reload), and a file overwritten in place while mapped (`cp new.so x.so`)
/// crashes the process with SIGBUS. Each load therefore gets its own anonymous memory file (`memfd_create`),
/// opened through `/proc/self/fd/N`: a new inode and a new name every time, and nothing an admin does to
/// `plugins.d/` can touch what is already mapped.
///
/// The descriptor of a loaded copy stays open for the life of the process, because loaded libraries are never
/// unloaded and the name `/proc/self/fd/N` must not be reused by another load while `N`'s library is mapped.
/// Where `memfd_create` is missing, the copy is a uniquely named file in the temporary directory, removed right
/// after `dlopen` (the mapping keeps its data).
enum PrivateImage {
    /// A path `dlopen` can open, and what to do once it has (or has not) been opened.
    struct Copy {
        let path: String
        private let fd: Int32
        private let temporaryFile: Bool

        fileprivate init(path: String, fd: Int32, temporaryFile: Bool) {
            self.path = path
            self.fd = fd
            self.temporaryFile = temporaryFile
        }

        /// After a successful `dlopen`: keep the memory file (its name must stay unique), drop a temporary file.
        func loaded() {
            if temporaryFile {
                unlink(path)
                close(fd)
            }
        }

        /// After a failed `dlopen`: nothing is mapped, release everything.
        func discard() {
            if temporaryFile { unlink(path) }
            close(fd)
        }
    }

    /// Copies `image` into a private file named after `name` (shown in `/proc/<pid>/maps` as `memfd:<name>`).
    /// - Throws: a reason when no copy can be made.
    static func copy(_ image: UnsafeRawBufferPointer, name: String) throws(AdapterLoadErrorReason) -> Copy {
        if let create = memfdCreate {
            let fd = name.withCString { create($0, UInt32(1)) }  // MFD_CLOEXEC
            if fd >= 0 {
                guard writeAll(fd, image) else {
                    close(fd)
                    throw AdapterLoadErrorReason("cannot copy the library into memory (errno \(errno))")
                }
                return Copy(path: "/proc/self/fd/\(fd)", fd: fd, temporaryFile: false)
            }
        }
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        let serial = counter.add(1, ordering: .relaxed).newValue
        let path = "\(directory)/gateway-adapter-\(getpid())-\(serial)-\(UInt32.random(in: 0...UInt32.max)).so"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o700)
        guard fd >= 0 else { throw AdapterLoadErrorReason("cannot create a private copy in \(directory) (errno \(errno))") }
        guard writeAll(fd, image) else {
            unlink(path)
            close(fd)
            throw AdapterLoadErrorReason("cannot write a private copy in \(directory) (errno \(errno))")
        }
        return Copy(path: path, fd: fd, temporaryFile: true)
    }

    private static let counter = Atomic<Int>(0)

    /// `memfd_create`, which Swift's Glibc module does not import.
    private static let memfdCreate: (@convention(c) (UnsafePointer<CChar>, UInt32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "memfd_create") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafePointer<CChar>, UInt32) -> Int32).self)
    }()

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard var base = bytes.baseAddress else { return true }
        var left = bytes.count
        while left > 0 {
            let n = write(fd, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            base += n
            left -= n
        }
        return true
    }
}

/// A reason a private copy could not be made.
struct AdapterLoadErrorReason: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
