//! Finding out whether an interpreter can run the Python approaches, before anything is measured.
//!
//! The probe is a one-line program any Python 3 runs, so that an old interpreter is told apart
//! from a missing one and the message can say which.

use std::path::Path;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use super::MIN_VERSION;

/// The interpreter the Python approaches ran on (machine facts for the header, JSON and HTML).
pub use crate::machine::PythonFacts;

/// Prints the facts as one JSON object; runs on any Python 3.
const PROBE: &str = "import sys, json, platform\n\
g = getattr(sys, '_is_gil_enabled', None)\n\
print(json.dumps({'version': platform.python_version(), 'implementation': \
platform.python_implementation(), 'executable': sys.executable, \
'major': sys.version_info[0], 'minor': sys.version_info[1], \
'gil': bool(g()) if g else (True if platform.python_implementation() == 'CPython' else None)}))";

#[derive(Deserialize, Serialize)]
struct Probed {
    version: String,
    implementation: String,
    executable: String,
    major: u32,
    minor: u32,
    gil: Option<bool>,
}

/// Runs `interpreter` once and returns its facts, or why it cannot run the Python approaches
/// (one sentence, without a hint: the caller knows which flag to name).
pub fn probe(interpreter: &Path) -> Result<PythonFacts, String> {
    let shown = interpreter.display();
    let out = Command::new(interpreter)
        .args(["-c", PROBE])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("no Python interpreter found at '{shown}'"),
            _ => format!("could not start '{shown}': {e}"),
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    let probed: Probed = match serde_json::from_str(text.trim()) {
        Ok(p) if out.status.success() => p,
        _ => {
            let said = String::from_utf8_lossy(&out.stderr);
            let said = said
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map_or(String::new(), |l| format!(" ({})", l.trim()));
            return Err(format!("'{shown}' did not run as Python 3{said}"));
        }
    };
    if (probed.major, probed.minor) < MIN_VERSION {
        return Err(format!(
            "'{shown}' is Python {}, older than {}.{} which the Python approaches need",
            probed.version, MIN_VERSION.0, MIN_VERSION.1
        ));
    }
    Ok(PythonFacts {
        version: probed.version,
        implementation: probed.implementation,
        executable: probed.executable,
        gil: probed.gil,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interpreter_is_named() {
        let e = probe(Path::new("/nonexistent/python3")).unwrap_err();
        assert!(
            e.contains("no Python interpreter found at '/nonexistent/python3'"),
            "{e}"
        );
    }

    #[test]
    fn something_that_is_not_python_is_refused() {
        let e = probe(Path::new("/bin/false")).unwrap_err();
        assert!(e.contains("did not run as Python 3"), "{e}");
    }
}
