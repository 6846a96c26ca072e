//! Reading inputs and writing outputs atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use sloc_diagnostics::{Diagnostic, SourceFile, decode_input};

/// A file's bytes decoded as text, or a located diagnostic for unreadable content. IO errors
/// (missing file, permissions) are returned as messages: they are usage problems, exit 2.
enum Input {
    Text(SourceFile),
    Invalid(SourceFile, Box<Diagnostic>),
}

fn read_input(path: &Path) -> Result<Input, String> {
    let name = crate::shown(path);
    // Read through the size cap: FIFOs, process substitution (`<(cat x)`), `/dev/zero` and
    // standard input are streams, read as far as the cap and no further.
    let cap = sloc_diagnostics::MAX_INPUT_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let read = if name == "-" {
        std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin(), cap), &mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))
    } else {
        std::fs::File::open(path)
            .and_then(|f| {
                if f.metadata()?.is_dir() {
                    return Err(std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a directory"));
                }
                std::io::Read::read_to_end(&mut std::io::Read::take(f, cap), &mut bytes)
            })
            .map_err(|e| format!("cannot read {name}: {}", io_reason(&e)))
    };
    read?;
    Ok(match decode_input(&bytes) {
        Ok(text) => Input::Text(SourceFile::new(name, text)),
        Err(d) => Input::Invalid(SourceFile::new(name, ""), d),
    })
}

/// Reads a file named on the command line. Unreadable content (binary, not UTF-8, empty) is a
/// located finding added to `reports`, and `Ok(None)`; an IO problem is an `Err` (exit 2).
pub fn read_or_report(
    path: &Path,
    reports: &mut Vec<sloc_diagnostics::FileReport>,
) -> Result<Option<SourceFile>, String> {
    Ok(match read_input(path)? {
        Input::Text(file) => Some(file),
        Input::Invalid(file, d) => {
            reports.push(sloc_diagnostics::FileReport::new(file, vec![*d]));
            None
        }
    })
}

/// Reads and validates an SLO spec named on the command line. Its findings go to `reports`;
/// the spec comes back only when it has no errors.
pub fn read_spec(
    path: &Path,
    reports: &mut Vec<sloc_diagnostics::FileReport>,
    target: &sloc_target::Target,
) -> Result<Option<sloc_spec::Spec>, String> {
    let Some(file) = read_or_report(path, reports)? else { return Ok(None) };
    let (spec, mut diagnostics) = sloc_spec::parse_spec(&file.text);
    if let Some(spec) = &spec {
        // The SLIs' PromQL goes into the rules as written: the target must accept it.
        diagnostics.extend(sloc_lint::spec_queries_on_target(&file.text, spec, target));
    }
    let has_errors = diagnostics.iter().any(|d| d.severity == sloc_diagnostics::Severity::Error);
    reports.push(sloc_diagnostics::FileReport::new(file, diagnostics));
    Ok(spec.filter(|_| !has_errors))
}

/// The spec's file name, for generated headers: the same output whatever the working
/// directory.
pub fn source_name(path: &Path) -> String {
    match path.file_name() {
        Some(name) if path.as_os_str() != "-" => name.to_string_lossy().into_owned(),
        _ => "standard input".to_string(),
    }
}

/// `oneflow.slo.yaml` → `oneflow`.
pub fn spec_stem(path: &Path) -> String {
    let name = source_name(path);
    let mut stem = name.as_str();
    for suffix in [".yaml", ".yml"] {
        stem = stem.strip_suffix(suffix).unwrap_or(stem);
    }
    for suffix in [".slo", ".slos", ".spec"] {
        stem = stem.strip_suffix(suffix).unwrap_or(stem);
    }
    stem.to_string()
}

/// Writes through a temporary file in the same directory and renames it over the target, so
/// the target is never half-written. The file keeps an existing target's permissions; a new
/// one gets the usual mode under the umask (0644 with the usual umask), never the 0600 of a
/// private temporary file, so that a Prometheus running as another user can read it.
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), String> {
    let name = crate::shown(path);
    let fail = |e: &std::io::Error| format!("cannot write {name}: {}", io_reason(e));
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let existing = std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file).map(|m| m.permissions());
    let (tmp_path, mut tmp) = create_temporary(dir, path).map_err(|e| fail(&e))?;
    let written = tmp
        .write_all(contents.as_bytes())
        .and_then(|()| tmp.sync_all())
        .and_then(|()| existing.map_or(Ok(()), |p| std::fs::set_permissions(&tmp_path, p)))
        .and_then(|()| std::fs::rename(&tmp_path, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(fail(&e));
    }
    Ok(())
}

/// A new file beside the target, created as `File::create` does (mode 0666 under the umask).
fn create_temporary(dir: &Path, target: &Path) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    let stem = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut attempt = 0u32;
    loop {
        let candidate = dir.join(format!(".{stem}.sloc-{}-{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&candidate) {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// What a path names, to compare an output with the inputs: its canonical path, or for a file
/// that does not exist yet its directory's canonical path and its name.
pub fn identity(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        dir.join(p.file_name().unwrap_or_default())
    })
}

/// The input that `target` would overwrite, if any (`-`, standard input, is none).
pub fn input_at<'a>(target: &Path, inputs: &'a [PathBuf]) -> Option<&'a PathBuf> {
    let id = identity(target);
    inputs.iter().filter(|p| p.as_os_str() != "-").find(|p| identity(p) == id)
}

/// A temporary directory only its owner can read (generated tests may hold a team's rules),
/// removed on drop and, should sloc be interrupted, by the interrupt handler.
pub fn private_tempdir() -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new().permissions(std::fs::Permissions::from_mode(0o700)).tempdir()?;
    crate::interrupt::register_dir(dir.path().to_path_buf());
    Ok(dir)
}
