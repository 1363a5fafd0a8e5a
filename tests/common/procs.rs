//! What /proc says about the processes a test started (Linux): who is whose child, which run a
//! given executable, and how much memory each holds.

use std::collections::HashMap;
use std::path::Path;

/// Every process's parent and name (`comm`), by pid.
pub fn table() -> HashMap<u32, (u32, String)> {
    let mut t = HashMap::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid …: comm may hold spaces, so split at the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head
            .split_once('(')
            .map(|(_, n)| n)
            .unwrap_or("")
            .to_string();
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            t.insert(pid, (ppid, comm));
        }
    }
    t
}

/// `root` and all its descendants.
pub fn tree(root: u32) -> Vec<u32> {
    let t = table();
    let in_tree = |mut p: u32| loop {
        if p == root {
            return true;
        }
        match t.get(&p) {
            Some(&(pp, _)) if pp != 0 && pp != p => p = pp,
            _ => return false,
        }
    };
    let mut pids: Vec<u32> = t.keys().copied().filter(|&p| in_tree(p)).collect();
    pids.sort();
    pids
}

/// The name (`comm`) of a process, empty when it is gone.
pub fn name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The processes running `exe`.
pub fn running(exe: &Path) -> Vec<u32> {
    let exe = exe.canonicalize().unwrap_or_else(|_| exe.to_path_buf());
    let mut pids: Vec<u32> = table()
        .into_keys()
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe))
        .collect();
    pids.sort();
    pids
}

/// Fields of a process's `smaps_rollup` (`Rss:`, `Pss:`, `Private_Dirty:`, …), in KiB; 0 for a
/// field it lacks or a process that is gone.
pub fn smaps(pid: u32) -> impl Fn(&str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    move |field: &str| {
        text.lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    }
}

/// When a process started, as time since the Unix epoch, to about 10 ms (the kernel counts a
/// process's start in clock ticks since boot; USER_HZ is 100 on Linux). None when it is gone.
pub fn started(pid: u32) -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After "pid (comm)", field 3 (state) is the first: starttime, field 22, is the 20th.
    let ticks: u64 = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let boot = now.checked_sub(std::time::Duration::from_secs_f64(uptime))?;
    Some(boot + std::time::Duration::from_millis(ticks * 10))
}
