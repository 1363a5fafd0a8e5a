//! Opening a runbook link in the system browser: http and https only, never a file or a program.

/// Checks the link and hands it to the platform's opener; the opener is waited for on a thread of
/// its own, so no process is left behind (a zombie per click, before).
pub fn open(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not a link: {e}"))?;
    if parsed.scheme() != "http" && parsed.scheme() != "https" {
        return Err(format!(
            "only http and https links are opened, not {}:",
            parsed.scheme()
        ));
    }
    spawn_reaped(opener(parsed.as_str()))
        .map(|_| ())
        .map_err(|e| format!("cannot start the web browser: {e}"))
}

/// Starts `cmd` and waits for it on a thread of its own; returns its process id.
fn spawn_reaped(mut cmd: std::process::Command) -> std::io::Result<u32> {
    let mut child = cmd.spawn()?;
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(pid)
}

fn opener(url: &str) -> std::process::Command {
    #[cfg(target_os = "windows")]
    {
        let mut c = std::process::Command::new("rundll32");
        c.args(["url.dll,FileProtocolHandler", url]);
        c
    }
    #[cfg(target_os = "macos")]
    {
        let mut c = std::process::Command::new("open");
        c.arg(url);
        c
    }
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    {
        let mut c = std::process::Command::new("xdg-open");
        c.arg(url);
        c
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_web_links_are_opened() {
        assert!(super::open("file:///etc/passwd").is_err());
        assert!(super::open("javascript:alert(1)").is_err());
        assert!(super::open("not a url").is_err());
    }

    /// Regression: `open_link` left a zombie process per click (the opener was never waited for).
    #[cfg(target_os = "linux")]
    #[test]
    fn open_link_left_a_zombie_process_per_click() {
        let pid = super::spawn_reaped(std::process::Command::new("true")).expect("spawn");
        let stat = format!("/proc/{pid}/stat");
        let t0 = std::time::Instant::now();
        while std::path::Path::new(&stat).exists() {
            assert!(
                t0.elapsed() < std::time::Duration::from_secs(10),
                "the opener {pid} was not reaped: {}",
                std::fs::read_to_string(&stat).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
