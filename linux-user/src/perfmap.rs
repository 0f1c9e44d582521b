//! `-perfmap`: names xlat's JIT code for Linux `perf`. Every compiled
//! region becomes one line `<host start> <size> xlat_region_<guest pc>`
//! (hex, no `0x`) in `/tmp/perf-<pid>.map`, the file `perf report` reads
//! for anonymous executable memory of process `<pid>`.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use xlat_exec::ExecLogger;

/// One perf map line for a region at `host_addr` of `size` bytes whose
/// entry is guest `entry_pc`.
pub fn map_line(host_addr: u64, size: usize, entry_pc: u64) -> String {
    format!("{host_addr:x} {size:x} xlat_region_{entry_pc:x}\n")
}

/// The map file of process `pid`.
pub fn map_path(pid: u32) -> PathBuf {
    PathBuf::from(format!("/tmp/perf-{pid}.map"))
}

/// An [`ExecLogger`] that appends each compiled region to the perf map of
/// the current process, then hands every event to an inner logger (the
/// `-d` one), if any.
pub struct PerfMap {
    /// The open map and the pid it belongs to (a forked child reopens
    /// its own).
    file: Mutex<Option<(u32, File)>>,
    inner: Option<Arc<dyn ExecLogger>>,
}

impl PerfMap {
    /// A perf-map writer in front of `inner`. The file is created at the
    /// first compiled region.
    pub fn new(inner: Option<Arc<dyn ExecLogger>>) -> PerfMap {
        PerfMap {
            file: Mutex::new(None),
            inner,
        }
    }

    fn append(&self, line: &str) {
        let pid = std::process::id();
        let Ok(mut g) = self.file.lock() else {
            return;
        };
        if g.as_ref().is_none_or(|(p, _)| *p != pid) {
            // A fresh process starts a fresh file (the pid may be reused).
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(map_path(pid));
            *g = f.ok().map(|f| (pid, f));
        }
        if let Some((_, f)) = g.as_mut() {
            // Best effort: a full /tmp must not stop the guest.
            let _ = f.write_all(line.as_bytes());
        }
    }
}

impl ExecLogger for PerfMap {
    fn wants_ir(&self) -> bool {
        self.inner.as_ref().is_some_and(|i| i.wants_ir())
    }

    fn translated(&self, block: &xlat_ir::Block, layout: &xlat_ir::StateLayout) {
        if let Some(i) = &self.inner {
            i.translated(block, layout);
        }
    }

    fn compiled(&self, entry_pc: u64, guest_pcs: &[u64], host_code: &[u8], host_addr: u64) {
        if !host_code.is_empty() {
            self.append(&map_line(host_addr, host_code.len(), entry_pc));
        }
        if let Some(i) = &self.inner {
            i.compiled(entry_pc, guest_pcs, host_code, host_addr);
        }
    }

    fn exec(&self, pc: u64) {
        if let Some(i) = &self.inner {
            i.exec(pc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn line_format_is_perf_map() {
        assert_eq!(
            map_line(0x7f12_3456_7000, 0x1a0, 0x40_0580),
            "7f1234567000 1a0 xlat_region_400580\n"
        );
    }

    struct Count(AtomicUsize);
    impl ExecLogger for Count {
        fn compiled(&self, _: u64, _: &[u64], _: &[u8], _: u64) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        fn exec(&self, _: u64) {
            self.0.fetch_add(100, Ordering::Relaxed);
        }
    }

    #[test]
    fn appends_regions_and_forwards_events() {
        let path = map_path(std::process::id());
        let _ = std::fs::remove_file(&path);
        let inner = Arc::new(Count(AtomicUsize::new(0)));
        let pm = PerfMap::new(Some(inner.clone()));
        pm.compiled(0x1000, &[0x1000], &[0x90; 32], 0x5555_0000);
        pm.compiled(0x2040, &[0x2040, 0x2050], &[0xc3; 0x11], 0x5555_0040);
        pm.exec(0x1000);
        let text = std::fs::read_to_string(&path).expect("map file");
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            text,
            "55550000 20 xlat_region_1000\n55550040 11 xlat_region_2040\n"
        );
        assert_eq!(inner.0.load(Ordering::Relaxed), 102);
    }
}
