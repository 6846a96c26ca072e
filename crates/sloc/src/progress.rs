//! Work that finishes piece by piece (promtool runs): each finished piece's line is printed as it
//! comes, and on a terminal a counter on stderr says how far the run is.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use crate::Output;

pub struct Progress {
    what: &'static str,
    /// (done, total): the total grows as batches are handed out.
    counts: Mutex<(usize, usize)>,
    bar: bool,
}

impl Progress {
    /// Starts showing progress: what `out` holds so far is printed first, so that it comes
    /// before the lines of the pieces.
    pub fn start(what: &'static str, out: &mut Output) -> Self {
        out.flush();
        Progress { what, counts: Mutex::new((0, 0)), bar: std::io::stderr().is_terminal() }
    }

    /// `more` pieces are about to run.
    pub fn expect(&self, more: usize) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.1 += more;
            self.draw(*counts);
        }
    }

    /// One piece finished; its line (if any) goes to stdout now.
    pub fn done(&self, line: Option<&str>) {
        let Ok(mut counts) = self.counts.lock() else { return };
        counts.0 += 1;
        self.clear();
        if let Some(line) = line {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(line.as_bytes());
            let _ = stdout.flush();
        }
        self.draw(*counts);
    }

    fn draw(&self, (done, total): (usize, usize)) {
        if self.bar && done < total {
            let _ = write!(std::io::stderr().lock(), "[{done}/{total}] {}", self.what);
        }
    }

    fn clear(&self) {
        if self.bar {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}
