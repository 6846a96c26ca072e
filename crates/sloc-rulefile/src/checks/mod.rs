//! The rule file's checks beyond what its reader rejects, one file each, named after the
//! check. The reader's own errors (R001–R008, R010, R011) stay in `read.rs`.

pub mod duplicate_rule;
