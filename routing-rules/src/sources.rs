//! Where rule files come from: a folder on disk, or files embedded in the binary.

use std::io;
use std::path::{Path, PathBuf};

/// Reads rule files by their path relative to the entry file's folder.
pub trait RuleSources {
    /// The content of `path`.
    fn read(&self, path: &Path) -> io::Result<String>;
}

/// Rule files in a folder on disk.
#[derive(Debug, Clone)]
pub struct DiskSources {
    root: PathBuf,
}

impl DiskSources {
    /// Files relative to `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl RuleSources for DiskSources {
    fn read(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(self.root.join(path))
    }
}

/// Rule files held in memory, e.g. the example county embedded with `include_str!`.
#[derive(Debug, Clone, Default)]
pub struct EmbeddedSources {
    files: Vec<(PathBuf, String)>,
}

impl EmbeddedSources {
    /// Files given as (relative path, content) pairs.
    pub fn new<P: Into<PathBuf>, S: Into<String>>(files: impl IntoIterator<Item = (P, S)>) -> Self {
        Self {
            files: files
                .into_iter()
                .map(|(p, s)| (p.into(), s.into()))
                .collect(),
        }
    }
}

impl RuleSources for EmbeddedSources {
    fn read(&self, path: &Path) -> io::Result<String> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, s)| s.clone())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not among the embedded files"))
    }
}
