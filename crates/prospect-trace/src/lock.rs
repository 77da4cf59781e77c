//! The writer's lock: one writer per trace file, and a way for readers to tell whether the
//! writer of a `running` file is still alive.
//!
//! The writer holds an exclusive advisory lock (`flock(2)`, through [`std::fs::File::try_lock`])
//! on the trace file itself for as long as it writes. HDF5's own file locking stays off, so
//! readers (`prospect inspect`, h5py with `HDF5_USE_FILE_LOCKING=FALSE`) can follow a running
//! file; the advisory lock is only taken by prospect writers and probed by prospect readers.
//! The kernel drops the lock when the writer exits, however it exits (SIGKILL included), so a
//! file whose status says `running` but whose lock is free has lost its writer.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use crate::TraceError;

/// An exclusive lock on a trace file, held while the writer lives.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Opens (creating it empty if missing, never truncating) and exclusively locks `path`
    /// without waiting. Fails with [`TraceError::Busy`] when another process holds the lock.
    pub fn acquire(path: &Path) -> Result<Self, TraceError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| TraceError::Io {
                path: path.to_path_buf(),
                context: "open for writing".into(),
                source: e,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(WriterLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(TraceError::Busy {
                path: path.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(TraceError::Io {
                path: path.to_path_buf(),
                context: "lock".into(),
                source: e,
            }),
        }
    }
}

/// Whether a prospect writer currently holds the lock of `path`: probes it with a shared,
/// non-blocking lock that is released at once. `false` when the file cannot be opened.
pub fn writer_alive(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(_)) => false,
    }
}
