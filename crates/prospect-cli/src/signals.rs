//! Stopping on Ctrl-C (SIGINT) and on SIGTERM (what Slurm sends at its time limit, before
//! SIGKILL): both set the stop flag, so the run ends after the current batch and its trace
//! file is marked `failed` with the reason. The exit code tells which signal: 130 for Ctrl-C,
//! 143 for SIGTERM (128 + the signal number, the shell's convention). A second signal of
//! either kind exits at once with that code.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};

/// The signal that asked to stop (0: none yet).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The stop flag the trainers poll.
static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();

extern "C" fn on_signal(signal: libc::c_int) {
    // Only async-signal-safe work here: atomics, write(2), _exit(2).
    if SIGNAL.swap(signal, Ordering::SeqCst) != 0 {
        unsafe { libc::_exit(128 + signal) };
    }
    if let Some(stop) = STOP.get() {
        stop.store(true, Ordering::SeqCst);
    }
    let msg: &[u8] = if signal == libc::SIGTERM {
        b"\nSIGTERM: stopping after the current batch\n"
    } else {
        b"\nstopping after the current batch (Ctrl-C again to abort)\n"
    };
    unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
}

/// Installs the handlers for SIGINT and SIGTERM; they set `stop`.
pub fn install(stop: Arc<AtomicBool>) {
    let _ = STOP.set(stop);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `on_signal` only touches atomics and calls async-signal-safe functions.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// What stopped the run, in words for the trace file's `error` attribute.
pub fn reason() -> &'static str {
    match SIGNAL.load(Ordering::SeqCst) {
        libc::SIGTERM => "SIGTERM",
        _ => "Ctrl-C",
    }
}

/// The exit code of a run stopped by a signal: 143 for SIGTERM, 130 otherwise.
pub fn exit_code() -> u8 {
    match SIGNAL.load(Ordering::SeqCst) {
        libc::SIGTERM => 143,
        _ => 130,
    }
}
