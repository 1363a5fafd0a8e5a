//! Reading files whose path comes from the config or the command line: only regular files, of a
//! bounded size, never waiting on a FIFO or reading a device until memory runs out.

use std::path::Path;

/// The folder name of Watchdesk's config and data: `watchdesk`, and `watchdesk-dev` for development
/// (debug) builds, so that a developer's build never reads an installed operator's config or touches
/// their cache.
pub const APP_DIR: &str = if cfg!(debug_assertions) {
    "watchdesk-dev"
} else {
    "watchdesk"
};

/// Reads a file that must be a regular file of at most `max` bytes, in UTF-8. Anything else (a
/// device such as /dev/zero, a FIFO, a directory, a file too large) is refused without reading
/// more than `max + 1` bytes and without waiting for a writer. The error says what is wrong.
pub fn read_regular_file(path: &Path, max: u64, what: &str) -> Result<String, String> {
    use std::io::Read;
    let check = |meta: &std::fs::Metadata| -> Result<(), String> {
        if !meta.is_file() {
            let kind = kind_of(meta);
            return Err(format!(
                "the {what} file is {kind}, not a regular file; point it at a plain file"
            ));
        }
        if meta.len() > max {
            return Err(format!(
                "the {what} file is {} bytes, more than the {} allowed; is it the right file?",
                meta.len(),
                human_bytes(max)
            ));
        }
        Ok(())
    };
    // Looked at before opening: opening a FIFO would wait for a writer.
    check(&std::fs::metadata(path).map_err(|e| format!("{e} (the {what} file)"))?)?;
    let file = std::fs::File::open(path).map_err(|e| format!("{e} (the {what} file)"))?;
    check(
        &file
            .metadata()
            .map_err(|e| format!("{e} (the {what} file)"))?,
    )?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{e} (the {what} file)"))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "the {what} file grew past the {} allowed while it was read",
            human_bytes(max)
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("the {what} file is not UTF-8 text"))
}

pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

pub fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}
