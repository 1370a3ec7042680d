//! Exclusive ownership of a serial port across processes and within one (rule 10).
//!
//! The kernel's own guard (`TIOCEXCL`, which tokio-serial sets) does not stop root, and Kioskhub
//! often runs as root on a kiosk's Pi, so every serial bus also takes an advisory `flock(2)` on a
//! lock file named after the port: `/run/lock/kioskhub_dev_ttyUSB0.lock` (or in the system temp
//! directory when `/run/lock` is not writable). `flock` locks belong to an open file description,
//! so a second bus on the same port in the same process is refused just like another process, and
//! the kernel drops the lock when its owner exits — a crash never leaves a stale lock behind (a
//! leftover file is simply taken over). The owner writes `pid=… bus=…` into the file so a refused
//! opener can name it, and removes the file when it lets the port go.
//!
//! The bus holds the lock on its configured path for its whole life. When that path resolves to
//! another name (a `/dev/serial/by-id/…` link), each open connection also locks the resolved
//! device, and lets it go with the connection: after an unplug the kernel may hand that device
//! name to another adapter. A UUCP-style `LCK..ttyUSB0` file with a live pid (minicom, screen and
//! friends write one) is honoured as well, read-only.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const LOCK_DIR: &str = "/run/lock";

/// Held for as long as a bus owns its port; dropping it releases the port and removes its lock
/// files.
#[derive(Debug)]
pub(crate) struct PortLock {
    port: String,
    held: Vec<(File, PathBuf)>,
}

impl Drop for PortLock {
    fn drop(&mut self) {
        // Removed while still locked; an opener that raced us notices the unlinked inode (see
        // `lock_one`) and starts over on a fresh file.
        for (_, path) in &self.held {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Why a port could not be locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LockError {
    /// Someone holds it; the text names them as well as we can tell.
    Busy(String),
    /// The lock file itself could not be used.
    Unavailable(String),
}

impl PortLock {
    /// Locks `port` (the name as given) for the bus named `bus`, or says who holds it.
    pub(crate) fn acquire(port: &str, bus: &str) -> Result<PortLock, LockError> {
        if let Some(owner) = uucp_owner(port) {
            return Err(LockError::Busy(owner));
        }
        Ok(PortLock {
            port: port.to_owned(),
            held: vec![lock_one(port, bus)?],
        })
    }

    /// The port name this lock holds.
    pub(crate) fn port(&self) -> &str {
        &self.port
    }
}

/// The device `port` resolves to now, when that is another name than `port`.
pub(crate) fn resolved_device(port: &str) -> Option<String> {
    std::fs::canonicalize(port)
        .ok()
        .map(|resolved| resolved.display().to_string())
        .filter(|resolved| resolved != port)
}

fn lock_one(port: &str, bus: &str) -> Result<(File, PathBuf), LockError> {
    let file_name = lock_file_name(port);
    for _ in 0..10 {
        let (mut file, path) = open_in(Path::new(LOCK_DIR), &file_name)
            .or_else(|_| open_in(&std::env::temp_dir(), &file_name))
            .map_err(|e| LockError::Unavailable(format!("cannot create a lock file: {e}")))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                // A reader can race the owner between its lock and its write: then it is empty.
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Busy(describe_owner(text.trim(), &path)));
            }
            Err(TryLockError::Error(e)) => {
                return Err(LockError::Unavailable(format!(
                    "cannot lock {}: {e}",
                    path.display()
                )));
            }
        }
        if !still_linked(&file, &path) {
            // The previous owner removed this file between our open and our lock.
            continue;
        }
        file.set_len(0)
            .and_then(|()| writeln!(file, "pid={} bus={bus}", std::process::id()))
            .map_err(|e| LockError::Unavailable(format!("cannot write {}: {e}", path.display())))?;
        return Ok((file, path));
    }
    Err(LockError::Unavailable(format!(
        "the lock file for {port} keeps changing hands"
    )))
}

/// Whether `path` still names the file we hold open.
fn still_linked(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
        _ => false,
    }
}

fn open_in(dir: &Path, name: &str) -> std::io::Result<(File, PathBuf)> {
    let path = dir.join(name);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)?;
    Ok((file, path))
}

/// `/dev/ttyUSB0` → `kioskhub_dev_ttyUSB0.lock`.
fn lock_file_name(port: &str) -> String {
    let safe: String = port
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("kioskhub{safe}.lock")
}

fn describe_owner(text: &str, path: &Path) -> String {
    let field = |key: &str| {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key).map(str::to_owned))
    };
    match (field("pid="), field("bus=")) {
        (Some(pid), Some(bus)) if pid == std::process::id().to_string() => {
            format!("bus {bus} in this process (pid {pid})")
        }
        (Some(pid), Some(bus)) => format!("pid {pid} (bus {bus})"),
        _ => format!("another process (lock file {})", path.display()),
    }
}

/// The live owner of a UUCP lock file for `port`, if there is one.
fn uucp_owner(port: &str) -> Option<String> {
    let name = Path::new(port).file_name()?.to_str()?;
    let path = Path::new(LOCK_DIR).join(format!("LCK..{name}"));
    let text = std::fs::read_to_string(&path).ok()?;
    let pid: u32 = text.trim().parse().ok()?;
    let alive = Path::new("/proc").join(pid.to_string()).exists();
    alive.then(|| format!("pid {pid} (lock file {})", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_port_names_the_first_owner() {
        let dir = tempfile::tempdir().unwrap();
        let port = dir.path().join("ttyTEST0").display().to_string();
        let held = PortLock::acquire(&port, "bus-a").unwrap();
        let Err(LockError::Busy(owner)) = PortLock::acquire(&port, "bus-b") else {
            panic!("a held port must be refused");
        };
        assert!(owner.contains("bus bus-a in this process"), "{owner}");
        let lock_file = held.held[0].1.clone();
        drop(held);
        assert!(!lock_file.exists(), "a released lock leaves no file behind");
        PortLock::acquire(&port, "bus-b").expect("a released port can be taken again");
    }

    #[test]
    fn lock_file_names_are_flat() {
        assert_eq!(
            lock_file_name("/dev/ttyUSB0"),
            "kioskhub_dev_ttyUSB0.lock".to_owned()
        );
    }
}
