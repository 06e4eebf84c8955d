//! Locating the PostgreSQL server binaries (`initdb`, `pg_ctl`, `createdb`).

use std::path::{Path, PathBuf};

/// Finds the directory holding `initdb` and `pg_ctl`: `explicit`, then the newest `/usr/lib/postgresql/<v>/bin`,
/// then the directories on `PATH`.
pub fn find_bin_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = explicit {
        return has_server_tools(dir).then(|| dir.to_path_buf());
    }
    newest_debian_bin_dir(Path::new("/usr/lib/postgresql")).or_else(|| {
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .find(|dir| has_server_tools(dir))
    })
}

fn has_server_tools(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "createdb"]
        .iter()
        .all(|tool| dir.join(tool).is_file())
}

/// Debian installs each major version side by side; pick the highest one that has the server tools.
fn newest_debian_bin_dir(root: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(root).ok()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            has_server_tools(&bin).then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major)
        .map(|(_, bin)| bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_tools(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for tool in ["initdb", "pg_ctl", "createdb"] {
            std::fs::write(dir.join(tool), "").unwrap();
        }
    }

    #[test]
    fn picks_the_highest_major_version_with_server_tools() {
        let root = tempfile::tempdir().unwrap();
        fake_tools(&root.path().join("13/bin"));
        fake_tools(&root.path().join("16/bin"));
        std::fs::create_dir_all(root.path().join("17/bin")).unwrap(); // client only
        assert_eq!(
            newest_debian_bin_dir(root.path()),
            Some(root.path().join("16/bin"))
        );
    }

    #[test]
    fn an_explicit_directory_without_the_tools_is_not_accepted() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_bin_dir(Some(dir.path())), None);
        fake_tools(dir.path());
        assert_eq!(
            find_bin_dir(Some(dir.path())),
            Some(dir.path().to_path_buf())
        );
    }
}
