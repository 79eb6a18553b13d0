//! Hội thi's domain: the question model and its rules, the directive taxonomy,
//! text normalisation, the import/export formats (feature `formats`) and the
//! storage layer (feature `store`). The model compiles to WebAssembly so the UI
//! shares its types; formats and storage stay on the server.

pub mod bank;
pub mod live;
pub mod model;
pub mod round;
pub mod scope;
pub mod sources;
pub mod taxonomy;
pub mod text;

#[cfg(feature = "formats")]
pub mod formats;

#[cfg(feature = "store")]
pub mod auth;
#[cfg(feature = "store")]
pub mod store;
