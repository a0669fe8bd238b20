import Foundation

/// One line of a text file: its 1-based number and bytes (without the line break), or only its length when it
/// was longer than the reader's limit.
struct Line: Sendable {
    /// The 1-based line number.
    var number: Int
    /// The line's bytes, nil when the line was over the limit (its bytes were skipped, never held).
    var bytes: [UInt8]?
    /// The line's length in bytes.
    var length: Int
}

/// Reads a file line by line in fixed-size chunks, so memory stays bounded whatever the file's size;
/// lines longer than `maxLineBytes` are skipped as they stream past and reported by length only.
struct LineReader {
    private let handle: FileHandle
    private let maxLineBytes: Int
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var lineNumber = 0

    /// Opens `url` for reading.
    init(url: URL, maxLineBytes: Int, chunkSize: Int = 1 << 20) throws {
        handle = try FileHandle(forReadingFrom: url)
        self.maxLineBytes = maxLineBytes
        self.chunkSize = chunkSize
    }

    /// The next line, or nil at the end of the file.
    mutating func next() throws -> Line? {
        var overflow = 0  // bytes of an over-long line already dropped
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                lineNumber += 1
                var end = newline
                if end > start, buffer[end - 1] == 0x0D, overflow == 0 { end -= 1 }
                let length = overflow + (end - start)
                let bytes = overflow == 0 && length <= maxLineBytes ? Array(buffer[start..<end]) : nil
                start = newline + 1
                return Line(number: lineNumber, bytes: bytes, length: length)
            }
            if buffer.count - start > maxLineBytes {
                // Over the limit with no line break in sight: drop what is held and keep counting.
                overflow += buffer.count - start
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            if atEnd {
                guard start < buffer.count || overflow > 0 else { return nil }
                lineNumber += 1
                let length = overflow + (buffer.count - start)
                let bytes = overflow == 0 && length <= maxLineBytes ? Array(buffer[start...]) : nil
                buffer.removeAll()
                start = 0
                return Line(number: lineNumber, bytes: bytes, length: length)
            }
            try refill()
        }
    }

    /// Moves the unread bytes to the front and appends the next chunk.
    private mutating func refill() throws {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        guard let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty else {
            atEnd = true
            try? handle.close()
            return
        }
        buffer.append(contentsOf: chunk)
    }
}
