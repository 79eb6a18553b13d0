//! Accounts that last: a password changed by its owner, reset through the
//! cadre's unit, replaced at the next log-in when somebody else has seen it,
//! sessions ended everywhere else; bulk registration's first passwords;
//! deactivation and merging of duplicates.

pub mod password;
pub mod cadres;
pub mod manage;
