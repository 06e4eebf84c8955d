//! The app model shared by the browser and the server: names, specs, validation and tenant policy, job
//! generation (JSON and HCL), and the np.yaml and OAM parsers.
//!
//! Everything here is pure (no I/O) and compiles to WebAssembly, so the deploy form can show exactly what the
//! server will generate. The server always regenerates and revalidates; it never trusts a job from a browser.

pub mod audit;
pub mod duration;
pub mod error;
pub mod form;
pub mod from_job;
#[cfg(feature = "parse")]
#[doc(hidden)]
pub mod fuzzing;
pub mod generate;
pub mod image;
pub mod interpolation;
pub mod names;
pub mod ops;
pub mod parse;
pub mod spec;
pub mod tenant;
pub mod terms;
pub mod validate;

pub use error::{FieldError, FieldErrors};
pub use generate::{Generated, generate};
pub use spec::AppSpec;
pub use tenant::TenantContext;
