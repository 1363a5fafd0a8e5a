//! The error every command returns: what failed and what the operator can do, as one message (the
//! UI shows it as it is).

use serde::{Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
pub enum IpcError {
    #[error(transparent)]
    Desk(#[from] watchdesk::desk::DeskError),
    #[error("{0}")]
    Refused(String),
}

impl Serialize for IpcError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

pub type IpcResult<T> = Result<T, IpcError>;
