//! Running PostgreSQL's tools as an unprivileged user when the console itself runs as root.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use nix::unistd::{Uid, User, chown};

use crate::PgError;

/// Who the PostgreSQL processes run as.
#[derive(Debug, Clone)]
pub(crate) enum RunAs {
    /// The current user (not root).
    Myself,
    /// A service user, switched to with `runuser` because we are root.
    Service(User),
}

impl RunAs {
    /// Decides who runs PostgreSQL: ourselves, or the `postgres` user when we are root.
    pub(crate) fn detect() -> Result<Self, PgError> {
        if !Uid::effective().is_root() {
            return Ok(Self::Myself);
        }
        match User::from_name("postgres") {
            Ok(Some(user)) => Ok(Self::Service(user)),
            _ => Err(PgError::NoServiceUser),
        }
    }

    /// A command for `program`, switched to the service user when needed.
    pub(crate) fn command(&self, program: &Path) -> Command {
        match self {
            Self::Myself => Command::new(program),
            Self::Service(user) => {
                let mut cmd = Command::new("runuser");
                cmd.arg("-u").arg(&user.name).arg("--").arg(program);
                cmd
            }
        }
    }

    /// Gives `path` to the service user, so the server can write its cluster there.
    pub(crate) fn own(&self, path: &Path) -> Result<(), PgError> {
        if let Self::Service(user) = self {
            chown(path, Some(user.uid), Some(user.gid))
                .map_err(|e| PgError::io(path, std::io::Error::from(e)))?;
        }
        Ok(())
    }

    /// Whether the service user can reach `path` (every existing ancestor searchable by it).
    pub(crate) fn can_reach(&self, path: &Path) -> bool {
        let Self::Service(user) = self else {
            return true;
        };
        path.ancestors()
            .skip(1)
            .all(|dir| match std::fs::metadata(dir) {
                Ok(meta) => {
                    let mode = meta.mode();
                    let owner_search = meta.uid() == user.uid.as_raw() && mode & 0o100 != 0;
                    let group_search = meta.gid() == user.gid.as_raw() && mode & 0o010 != 0;
                    owner_search || group_search || mode & 0o001 != 0
                }
                Err(_) => true, // not created yet: we create it searchable
            })
    }
}
