//! Ctrl-C and SIGTERM: what the command made that must not outlive it (temporary directories
//! of generated tests, promtool children) is registered here, and the handler removes and
//! stops it before exiting with 130, as a shell reports an interrupt.

use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Default)]
struct Registered {
    dirs: Vec<PathBuf>,
    children: Vec<u32>,
    /// Set by the handler: a child started after it ran is stopped at once.
    interrupted: bool,
}

static REGISTERED: Mutex<Registered> =
    Mutex::new(Registered { dirs: Vec::new(), children: Vec::new(), interrupted: false });

/// Installs the handler once, at start.
pub fn install() {
    // Another handler cannot be set (a test harness); the command then runs without one.
    let _ = ctrlc::set_handler(|| {
        clean_up();
        std::process::exit(130);
    });
}

fn clean_up() {
    let Ok(mut registered) = REGISTERED.lock() else { return };
    registered.interrupted = true;
    for pid in &registered.children {
        stop(*pid);
    }
    for dir in &registered.dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A temporary directory to remove on an interrupt (its `TempDir` removes it otherwise).
pub fn register_dir(dir: PathBuf) {
    if let Ok(mut r) = REGISTERED.lock() {
        r.dirs.push(dir);
    }
}

fn stop(pid: u32) {
    // The child may have ended already; a failed kill is no error.
    let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
}

/// A child to stop on an interrupt, until [`forget_child`].
pub fn register_child(pid: u32) {
    if let Ok(mut r) = REGISTERED.lock() {
        if r.interrupted {
            stop(pid);
        }
        r.children.push(pid);
    }
}

pub fn forget_child(pid: u32) {
    if let Ok(mut r) = REGISTERED.lock() {
        r.children.retain(|p| *p != pid);
    }
}
