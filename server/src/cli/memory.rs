//! Returning memory to the system after a sign-in.
//!
//! glibc raises its mmap threshold to the size of the largest block freed (up to 32 MiB). An
//! Argon2id hash borrows 19 MiB, so after the first one every allocation below that size comes
//! from heaps glibc keeps rather than from mappings it returns: an idle server held 56 MB instead
//! of 18 MB. A fixed threshold turns the adjustment off. glibc reads it only when a process
//! starts (`GLIBC_TUNABLES`), and `mallopt` is unsafe code, which this workspace forbids, so the
//! binary executes itself once more with the tunable set before doing anything else. An
//! operator's own `mmap_threshold` is left as it is.

/// Large blocks (128 KiB and up, glibc's initial value) stay in their own mappings.
const TUNABLE: &str = "glibc.malloc.mmap_threshold=131072";

/// Execute this binary again with [`TUNABLE`] in `GLIBC_TUNABLES`, unless it is there already.
/// Returns only when nothing was done or the exec failed; the process then runs with glibc's
/// defaults.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn reexec_with_fixed_mmap_threshold() {
    use std::os::unix::process::CommandExt;
    let current = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
    if current.contains("glibc.malloc.mmap_threshold") {
        return;
    }
    let tunables = if current.is_empty() {
        TUNABLE.to_owned()
    } else {
        format!("{current}:{TUNABLE}")
    };
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(exe);
    if let Some(arg0) = args.next() {
        command.arg0(arg0);
    }
    // `exec` returns only on failure (the binary was replaced or removed meanwhile).
    let _ = command.args(args).env("GLIBC_TUNABLES", tunables).exec();
}

/// Other platforms keep their allocator's behaviour.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn reexec_with_fixed_mmap_threshold() {}
