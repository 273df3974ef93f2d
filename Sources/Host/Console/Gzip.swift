import CZlib

/// One-shot gzip compression with the system zlib, for the console's static files.
///
/// The files are compressed once when they are loaded and kept next to the originals, so a request
/// never compresses anything.
enum Gzip {
    /// Compresses `bytes` at the highest level into a gzip member (RFC 1952). Returns nil when zlib
    /// fails, which the caller treats as "serve uncompressed".
    static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        // 15 window bits + 16 selects the gzip wrapper instead of zlib's own; memLevel 9 is the fastest.
        // deflateInit2 is a C macro, so its function is called with the version check it would pass.
        let status = deflateInit2_(
            &stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { return nil }
        defer { deflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let result: Int32 = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }
}
